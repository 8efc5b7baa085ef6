package data

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"runtime"

	"github.com/glcnn/glcnn/internal/fsutil"
)

// The decoded-set cache: one file per dataset folder, in the user's cache
// folder (never beside the data, which may be read-only or shared), holding
// the Dataset as raw little-endian arrays, stamped with a key over the input
// files' names, sizes and modification times and closed by a CRC-32C of the
// payload. A missing, stale, foreign or damaged file is simply not used.
//
// File layout: cacheMagic, 32-byte key, payload length (u64), payload, CRC.
// Payload: layout string, train set, test set, submission ids; a set is a
// presence byte, N, H, W (u32), a labels-present byte, labels (i32 x N),
// ids (i64 x N), pixels (N*H*W bytes); strings and id lists are u32-length
// prefixed.
const cacheMagic = "glcnn-dataset-c2"

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// CacheDirEnv names the environment variable that moves all of glcnn's
// caches (compiled programs, device checks, decoded datasets) into one
// folder; "off" turns them off.
const CacheDirEnv = "GLCNN_CACHE_DIR"

// DefaultCacheDir is where decoded datasets are cached: $GLCNN_CACHE_DIR/datasets
// when that is set, else os.UserCacheDir()/glcnn/datasets (on Linux
// $XDG_CACHE_HOME/glcnn/datasets or ~/.cache/glcnn/datasets). It is ""
// (no cache) when $GLCNN_CACHE_DIR is "off" or empty, or when there is no
// user cache folder. The program-binary and check caches sit beside it
// (gpu.DefaultProgramCacheDir, check.DefaultCacheDir).
func DefaultCacheDir() string {
	if dir, ok := os.LookupEnv(CacheDirEnv); ok {
		if dir == "off" || dir == "" {
			return ""
		}
		return filepath.Join(dir, "datasets")
	}
	base, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	return filepath.Join(base, "glcnn", "datasets")
}

// cachePath is the cache file of the dataset folder root in the cache
// folder dir: named by a hash of root's absolute path.
func cachePath(dir, root string) string {
	abs, _ := filepath.Abs(root)
	sum := sha256.Sum256([]byte(abs))
	return filepath.Join(dir, "dataset-"+hex.EncodeToString(sum[:8])+".bin")
}

// cacheKey hashes the layout and each input's path relative to root, size
// and modification time; "" inputs are skipped. The files are stat'ed in
// parallel because an Apparels folder holds 70,000 of them.
func cacheKey(layout, root string, inputs []string) []byte {
	type stamp struct{ size, mtime int64 }
	stamps := make([]stamp, len(inputs))
	parallelFor(len(inputs), runtime.GOMAXPROCS(0), func(int) {}, func(_, i int) error {
		if inputs[i] == "" {
			return nil
		}
		if st, err := os.Stat(inputs[i]); err == nil {
			stamps[i] = stamp{st.Size(), st.ModTime().UnixNano()}
		} else {
			stamps[i] = stamp{-1, -1}
		}
		return nil
	})
	h := sha256.New()
	io.WriteString(h, cacheMagic+"\x00"+layout+"\x00")
	var num [16]byte
	for i, p := range inputs {
		if p == "" {
			continue
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			rel = p
		}
		io.WriteString(h, rel+"\x00")
		binary.LittleEndian.PutUint64(num[:8], uint64(stamps[i].size))
		binary.LittleEndian.PutUint64(num[8:], uint64(stamps[i].mtime))
		h.Write(num[:])
	}
	return h.Sum(nil)
}

// readCache returns the dataset of root cached in dir when one with this
// key is intact, else nil.
func readCache(dir, root string, key []byte) *Dataset {
	b, err := os.ReadFile(cachePath(dir, root))
	if err != nil {
		return nil
	}
	ds, err := decodeCache(b, key)
	if err != nil {
		return nil
	}
	ds.Root, ds.FromCache = root, true
	return ds
}

// writeCache stores ds, read from root, in the cache folder dir. Failure
// only costs the next load its speed-up, so it is not reported.
func writeCache(dir, root string, key []byte, ds *Dataset) {
	if os.MkdirAll(dir, 0o755) != nil {
		return
	}
	b := encodeCache(key, ds)
	fsutil.WriteFileAtomic(cachePath(dir, root), func(w io.Writer) error {
		_, err := w.Write(b)
		return err
	})
}

func encodeCache(key []byte, ds *Dataset) []byte {
	var p []byte
	p = appendString(p, ds.Layout)
	p = appendSet(p, ds.Train)
	p = appendSet(p, ds.Test)
	p = appendIDs(p, ds.SubmissionIDs)
	out := make([]byte, 0, len(cacheMagic)+len(key)+8+len(p)+4)
	out = append(out, cacheMagic...)
	out = append(out, key...)
	out = binary.LittleEndian.AppendUint64(out, uint64(len(p)))
	out = append(out, p...)
	return binary.LittleEndian.AppendUint32(out, crc32.Checksum(p, castagnoli))
}

func appendString(b []byte, s string) []byte {
	b = binary.LittleEndian.AppendUint32(b, uint32(len(s)))
	return append(b, s...)
}

func appendIDs(b []byte, ids []int64) []byte {
	b = binary.LittleEndian.AppendUint32(b, uint32(len(ids)))
	for _, id := range ids {
		b = binary.LittleEndian.AppendUint64(b, uint64(id))
	}
	return b
}

func appendSet(b []byte, s *Set) []byte {
	if s == nil {
		return append(b, 0)
	}
	b = append(b, 1)
	for _, v := range []int{s.N, s.H, s.W} {
		b = binary.LittleEndian.AppendUint32(b, uint32(v))
	}
	if s.Labels == nil {
		b = append(b, 0)
	} else {
		b = append(b, 1)
		for _, l := range s.Labels {
			b = binary.LittleEndian.AppendUint32(b, uint32(l))
		}
	}
	for i := range s.N {
		b = binary.LittleEndian.AppendUint64(b, uint64(s.IDs[i]))
	}
	return append(b, s.Pixels...)
}

var errBadCache = errors.New("data: damaged cache")

func decodeCache(b, key []byte) (*Dataset, error) {
	hdr := len(cacheMagic) + len(key) + 8
	if len(b) < hdr+4 || string(b[:len(cacheMagic)]) != cacheMagic || !bytes.Equal(b[len(cacheMagic):hdr-8], key) {
		return nil, errBadCache
	}
	n := binary.LittleEndian.Uint64(b[hdr-8:])
	if n != uint64(len(b)-hdr-4) {
		return nil, errBadCache
	}
	p := b[hdr : len(b)-4]
	if crc32.Checksum(p, castagnoli) != binary.LittleEndian.Uint32(b[len(b)-4:]) {
		return nil, errBadCache
	}
	r := cacheReader{b: p}
	ds := &Dataset{Layout: r.string()}
	ds.Train = r.set()
	ds.Test = r.set()
	ds.SubmissionIDs = r.ids()
	if r.bad || len(r.b) != 0 || ds.Train == nil {
		return nil, errBadCache
	}
	return ds, nil
}

// cacheReader consumes the payload; any overrun sets bad and yields zeros.
type cacheReader struct {
	b   []byte
	bad bool
}

func (r *cacheReader) take(n uint64) []byte {
	if r.bad || n > uint64(len(r.b)) {
		r.bad = true
		return nil
	}
	out := r.b[:n:n]
	r.b = r.b[n:]
	return out
}

func (r *cacheReader) u32() uint32 {
	if b := r.take(4); b != nil {
		return binary.LittleEndian.Uint32(b)
	}
	return 0
}

func (r *cacheReader) flag() bool {
	b := r.take(1)
	return b != nil && b[0] == 1
}

func (r *cacheReader) string() string { return string(r.take(uint64(r.u32()))) }

func (r *cacheReader) int64s(n uint64) []int64 {
	b := r.take(8 * n)
	if b == nil {
		return nil
	}
	out := make([]int64, n)
	for i := range out {
		out[i] = int64(binary.LittleEndian.Uint64(b[8*i:]))
	}
	return out
}

func (r *cacheReader) ids() []int64 { return r.int64s(uint64(r.u32())) }

func (r *cacheReader) set() *Set {
	if !r.flag() {
		return nil
	}
	s := &Set{N: int(r.u32()), H: int(r.u32()), W: int(r.u32())}
	n := uint64(s.N)
	if r.flag() {
		b := r.take(4 * n)
		if b != nil {
			s.Labels = make([]int32, n)
			for i := range s.Labels {
				s.Labels[i] = int32(binary.LittleEndian.Uint32(b[4*i:]))
				r.bad = r.bad || s.Labels[i] < 0 || int(s.Labels[i]) >= NumClasses
			}
		}
	}
	s.IDs = r.int64s(n)
	s.Pixels = r.take(n * uint64(s.H) * uint64(s.W))
	if s.N == 0 {
		r.bad = true
	}
	return s
}
