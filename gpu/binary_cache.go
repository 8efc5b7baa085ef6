package gpu

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/glcnn/glcnn/internal/gl"
	"github.com/glcnn/glcnn/shaders"
)

// The program-binary cache keeps linked programs on disk
// (glGetProgramBinary / glProgramBinary) so that a second run skips the
// driver's compiler. An entry's file name is the SHA-256 of the renderer,
// the device's DriverID (the version string and the identity of the driver
// libraries loaded: see driverid.go), the GLSL version and the assembled
// source, so a new driver build, another GPU or an edited kernel never
// finds an old entry: it compiles afresh and writes a new one. The file
// also records that identity and a checksum of the binary.
//
// An entry that is damaged, or that the driver refuses all the same, is
// rebuilt and replaced without a word per program: one refusal usually
// means all of them (a driver update the key did not see), and a screenful
// of warnings about a cache that mends itself helps no one. The process
// prints one note, on the first, and ProgramCacheStats counts them all.
//
// The cache lives in os.UserCacheDir()/glcnn/programs, or in
// $GLCNN_CACHE_DIR/programs when that is set ("off" disables it). It is
// also off when the driver offers no program-binary format.

// ProgramCacheStats counts the binary cache's work since the device opened.
type ProgramCacheStats struct {
	Dir     string `json:"dir"`     // "" when the cache is off
	Hits    int    `json:"hits"`    // programs loaded from disk
	Misses  int    `json:"misses"`  // programs compiled (no usable entry)
	Stores  int    `json:"stores"`  // entries written
	Corrupt int    `json:"corrupt"` // damaged entries (checksum, header), rebuilt
	Refused int    `json:"refused"` // entries the driver refused, rebuilt
}

// binaryCache is one device's cache state, GL thread only.
type binaryCache struct {
	dir              string
	renderer, driver string // identity; tests may change it (export_test.go)
	glsl             string
	print            func(line string) // stderr; tests capture it (export_test.go)
	noted            *atomic.Bool      // the rebuild note is printed (rebuildNote)
	stats            ProgramCacheStats
}

// caches holds each device's cache; the Device struct is not ours to grow.
var caches sync.Map // *Device -> *binaryCache

// rebuildNoted is set once the process has printed its one note about
// rebuilt entries. A device in ownNotes (a test's, see export_test.go)
// has a note of its own instead, as if it were alone in its process.
var (
	rebuildNoted atomic.Bool
	ownNotes     sync.Map // *Device -> *atomic.Bool
)

// rebuildNote is the flag that says whether d's rebuild note is printed.
func (d *Device) rebuildNote() *atomic.Bool {
	if n, ok := ownNotes.Load(d); ok {
		return n.(*atomic.Bool)
	}
	return &rebuildNoted
}

const cacheMagic = "GLCNNPB1"

// DefaultProgramCacheDir is where programs are cached: $GLCNN_CACHE_DIR/programs,
// or os.UserCacheDir()/glcnn/programs; "" means no cache ($GLCNN_CACHE_DIR
// set to "off", or no user cache directory).
func DefaultProgramCacheDir() string {
	if dir, ok := os.LookupEnv("GLCNN_CACHE_DIR"); ok {
		if dir == "off" || dir == "" {
			return ""
		}
		return filepath.Join(dir, "programs") // beside glcnn's other caches
	}
	base, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	return filepath.Join(base, "glcnn", "programs")
}

// SetProgramCache points the device's program-binary cache at dir ("" turns
// it off) and zeroes its counters. Programs already compiled stay in memory.
func (d *Device) SetProgramCache(dir string) {
	d.Call(func() {
		c := d.newBinaryCache(dir)
		caches.Store(d, c)
	})
}

// ProgramCacheStats returns the cache's counters and directory.
func (d *Device) ProgramCacheStats() ProgramCacheStats {
	var s ProgramCacheStats
	d.Call(func() { s = d.binaryCache().stats })
	return s
}

func (d *Device) newBinaryCache(dir string) *binaryCache {
	var formats int32
	gl.GetIntegerv(gl.NUM_PROGRAM_BINARY_FORMATS, &formats)
	gl.GetError()
	if formats < 1 {
		dir = ""
	}
	return &binaryCache{
		dir: dir, renderer: d.info.Renderer, driver: d.DriverID(), glsl: d.info.GLSL,
		print: func(line string) { fmt.Fprintln(os.Stderr, line) },
		noted: d.rebuildNote(),
		stats: ProgramCacheStats{Dir: dir},
	}
}

func (c *binaryCache) warn(msg string) { c.print("glcnn: warning: " + msg) }

// binaryCache returns the device's cache, set up from the environment on
// first use. GL thread only.
func (d *Device) binaryCache() *binaryCache {
	if c, ok := caches.Load(d); ok {
		return c.(*binaryCache)
	}
	c := d.newBinaryCache(DefaultProgramCacheDir())
	caches.Store(d, c)
	return c
}

func (c *binaryCache) path(src *shaders.Source) string {
	h := sha256.New()
	for _, s := range []string{c.renderer, c.driver, c.glsl, src.Text} {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	return filepath.Join(c.dir, hex.EncodeToString(h.Sum(nil))+".bin")
}

// cachedProgram links the program from its cache entry, or returns nil
// (a miss) when there is none or it is unusable. GL thread only.
func (d *Device) cachedProgram(key string, src *shaders.Source) *Program {
	c := d.binaryCache()
	if c.dir == "" {
		return nil
	}
	c.stats.Misses++ // undone on a hit
	path := c.path(src)
	raw, err := os.ReadFile(path)
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			c.warn(fmt.Sprintf("program cache: %s: %v (compiling instead)", key, err))
		}
		return nil
	}
	format, bin, err := c.decode(raw)
	if err != nil {
		c.stats.Corrupt++
		c.discard(key, path, err)
		return nil
	}
	gl.GetError()
	prog := gl.CreateProgram()
	gl.ProgramBinary(prog, format, unsafe.Pointer(&bin[0]), int32(len(bin)))
	var ok int32
	gl.GetProgramiv(prog, gl.LINK_STATUS, &ok)
	if e := gl.GetError(); ok == gl.FALSE || e != gl.NO_ERROR {
		msg := programLog(prog)
		gl.DeleteProgram(prog)
		c.stats.Refused++
		c.discard(key, path, fmt.Errorf("the driver refused it: %s", msg))
		return nil
	}
	c.stats.Misses--
	c.stats.Hits++
	return newProgram(prog, key, src)
}

// discard removes an unusable entry, which the caller's compile replaces,
// and prints the process's one note about such entries if it is the first.
func (c *binaryCache) discard(key, path string, err error) {
	os.Remove(path)
	if c.noted.Swap(true) {
		return
	}
	why := strings.Join(strings.Fields(err.Error()), " ") // one line, whatever the driver's log holds
	c.print(fmt.Sprintf("glcnn: note: cached GPU programs in %s that this driver cannot use are being rebuilt (first: %s: %s)", c.dir, key, why))
}

// storeProgram writes p's binary to the cache; failures only warn.
func (d *Device) storeProgram(src *shaders.Source, p *Program) {
	c := d.binaryCache()
	if c.dir == "" {
		return
	}
	var n int32
	gl.GetProgramiv(p.id, gl.PROGRAM_BINARY_LENGTH, &n)
	if n <= 0 {
		gl.GetError()
		return
	}
	bin := make([]byte, n)
	var format uint32
	gl.GetProgramBinary(p.id, n, &n, &format, unsafe.Pointer(&bin[0]))
	if e := gl.GetError(); e != gl.NO_ERROR || n <= 0 {
		return
	}
	if err := os.MkdirAll(c.dir, 0o755); err != nil {
		c.warn(fmt.Sprintf("program cache: %v", err))
		return
	}
	path := c.path(src)
	tmp, err := os.CreateTemp(c.dir, ".tmp-*")
	if err == nil {
		_, err = tmp.Write(c.encode(format, bin[:n]))
		if cerr := tmp.Close(); err == nil {
			err = cerr
		}
		if err == nil {
			err = os.Rename(tmp.Name(), path) // atomic: readers see old or new
		}
		if err != nil {
			os.Remove(tmp.Name())
		}
	}
	if err != nil {
		c.warn(fmt.Sprintf("program cache: writing %s: %v", path, err))
		return
	}
	c.stats.Stores++
}

// An entry is: magic, then little-endian u32 lengths and fields — renderer,
// driver, GLSL version, format, binary — then the SHA-256 of all before it.
func (c *binaryCache) encode(format uint32, bin []byte) []byte {
	var b bytes.Buffer
	b.WriteString(cacheMagic)
	for _, s := range []string{c.renderer, c.driver, c.glsl} {
		binary.Write(&b, binary.LittleEndian, uint32(len(s)))
		b.WriteString(s)
	}
	binary.Write(&b, binary.LittleEndian, format)
	binary.Write(&b, binary.LittleEndian, uint32(len(bin)))
	b.Write(bin)
	sum := sha256.Sum256(b.Bytes())
	b.Write(sum[:])
	return b.Bytes()
}

func (c *binaryCache) decode(raw []byte) (format uint32, bin []byte, err error) {
	if len(raw) < len(cacheMagic)+sha256.Size || string(raw[:len(cacheMagic)]) != cacheMagic {
		return 0, nil, errors.New("not a glcnn program-cache entry")
	}
	body, sum := raw[:len(raw)-sha256.Size], raw[len(raw)-sha256.Size:]
	if want := sha256.Sum256(body); !bytes.Equal(sum, want[:]) {
		return 0, nil, errors.New("checksum mismatch (truncated or damaged)")
	}
	r := body[len(cacheMagic):]
	next := func() []byte {
		if len(r) < 4 {
			return nil
		}
		n := binary.LittleEndian.Uint32(r)
		if uint64(len(r)-4) < uint64(n) {
			return nil
		}
		f := r[4 : 4+n]
		r = r[4+n:]
		return f
	}
	for _, want := range []string{c.renderer, c.driver, c.glsl} {
		if got := next(); string(got) != want {
			return 0, nil, fmt.Errorf("made by %q, not %q", got, want)
		}
	}
	if len(r) < 4 {
		return 0, nil, errors.New("truncated header")
	}
	format = binary.LittleEndian.Uint32(r)
	r = r[4:]
	if bin = next(); len(bin) == 0 || len(r) != 0 {
		return 0, nil, errors.New("bad binary length")
	}
	return format, bin, nil
}

// newProgram wraps a linked program object.
func newProgram(prog uint32, key string, src *shaders.Source) *Program {
	p := &Program{id: prog, name: key, params: map[string]shaders.Param{}}
	for _, pa := range src.Params {
		p.params[pa.Name] = pa
	}
	if len(src.Params) > 0 {
		p.values = make([]byte, paramBlockSize(prog, 4*len(src.Params)))
		bindParamBlock(prog)
	}
	var local [3]int32
	gl.GetProgramiv(prog, gl.COMPUTE_WORK_GROUP_SIZE, &local[0])
	p.local = [3]int{int(local[0]), int(local[1]), int(local[2])}
	p.blocks = programBlocks(prog)
	return p
}
