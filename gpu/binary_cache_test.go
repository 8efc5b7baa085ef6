package gpu_test

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/glcnn/glcnn/gpu"
	"github.com/glcnn/glcnn/gpu/gputest"
	"github.com/glcnn/glcnn/shaders"
)

// cacheKernel is a kernel whose text (and so cache key) depends on tag.
func cacheKernel(t *testing.T, tag string) *shaders.Source {
	t.Helper()
	fsys := fstest.MapFS{"k.comp": {Data: []byte(`layout(local_size_x = 32) in;
layout(std430, binding = 0) buffer Y { float y[]; };
uniform uint n;
void main() {
	uint i = gl_GlobalInvocationID.x;
	if (i >= n) return;
	y[i] = float(i) * 2.0 + ` + tag + `;
}
`)}}
	src, err := shaders.AssembleFS(fsys, "k.comp", nil)
	if err != nil {
		t.Fatal(err)
	}
	return src
}

// cacheDevice opens a device of the test's own with its cache in a fresh
// directory, and collects the lines it prints, as a fresh process would:
// the rebuild note is not yet printed.
func cacheDevice(t *testing.T) (*gpu.Device, string, *[]string) {
	d := gputest.Private(t)
	dir := t.TempDir()
	var lines []string
	gpu.OwnRebuildNote(d)
	nextRun(t, d, dir, &lines)
	return d, dir, &lines
}

// nextRun opens the cache in dir afresh, as the next run of glcnn would
// (the process-wide rebuild note excepted), and collects its lines.
func nextRun(t *testing.T, d *gpu.Device, dir string, lines *[]string) {
	t.Helper()
	d.SetProgramCache(dir)
	if d.ProgramCacheStats().Dir == "" {
		t.Fatalf("%s offers no program-binary format: the cache cannot work here", d.Info().Renderer)
	}
	gpu.CaptureCacheOutput(d, func(s string) { *lines = append(*lines, s) })
}

// runKernel checks that p computes y[i] = 2i + want.
func runKernel(t *testing.T, d *gpu.Device, p *gpu.Program, want float32) {
	t.Helper()
	y, _ := gpu.NewBuffer[float32](d, 40)
	defer y.Release()
	d.Dispatch(p, gpu.Grid1(40), gpu.Bindings{0: y}, gpu.U("n", 40))
	for i, v := range y.Read() {
		if v != float32(2*i)+want {
			t.Fatalf("y[%d] = %v, want %v", i, v, float32(2*i)+want)
		}
	}
}

func TestProgramBinaryCacheHit(t *testing.T) {
	d, dir, lines := cacheDevice(t)
	src := cacheKernel(t, "1.0")
	p1, err := d.CompileSource(src)
	if err != nil {
		t.Fatal(err)
	}
	if s := d.ProgramCacheStats(); s.Misses != 1 || s.Stores != 1 || s.Hits != 0 {
		t.Fatalf("first compile: %+v, want 1 miss and 1 store", s)
	}
	entries, _ := filepath.Glob(filepath.Join(dir, "*.bin"))
	if len(entries) != 1 {
		t.Fatalf("cache dir holds %v, want one entry", entries)
	}
	p2, err := d.CompileSource(src)
	if err != nil {
		t.Fatal(err)
	}
	if s := d.ProgramCacheStats(); s.Hits != 1 || s.Misses != 1 {
		t.Fatalf("second compile: %+v, want a hit", s)
	}
	if p2.LocalSize() != p1.LocalSize() {
		t.Errorf("local size from the binary %v, compiled %v", p2.LocalSize(), p1.LocalSize())
	}
	runKernel(t, d, p2, 1)
	if len(*lines) > 0 {
		t.Errorf("printed %q", *lines)
	}
}

func TestProgramBinaryCacheInvalidation(t *testing.T) {
	d, dir, lines := cacheDevice(t)
	if _, err := d.CompileSource(cacheKernel(t, "1.0")); err != nil {
		t.Fatal(err)
	}
	// An edited kernel: another key, compiled, and it computes the new thing.
	p, err := d.CompileSource(cacheKernel(t, "3.0"))
	if err != nil {
		t.Fatal(err)
	}
	runKernel(t, d, p, 3)
	if s := d.ProgramCacheStats(); s.Hits != 0 || s.Misses != 2 {
		t.Errorf("after an edit: %+v, want two misses", s)
	}
	// A driver upgrade, then another GPU: the old entries are not used.
	gpu.SetCacheIdentity(d, d.Info().Renderer, d.DriverID()+" (upgraded)")
	if _, err := d.CompileSource(cacheKernel(t, "1.0")); err != nil {
		t.Fatal(err)
	}
	gpu.SetCacheIdentity(d, "another GPU", d.DriverID())
	if _, err := d.CompileSource(cacheKernel(t, "1.0")); err != nil {
		t.Fatal(err)
	}
	if s := d.ProgramCacheStats(); s.Hits != 0 || s.Misses != 4 || s.Stores != 4 {
		t.Errorf("after identity changes: %+v, want 4 misses and 4 stores", s)
	}
	entries, _ := filepath.Glob(filepath.Join(dir, "*.bin"))
	if len(entries) != 4 {
		t.Errorf("%d entries, want 4 (one per kernel text and identity)", len(entries))
	}
	if len(*lines) > 0 {
		t.Errorf("invalidation is not corruption; printed %q", *lines)
	}
}

func TestProgramBinaryCacheCorruption(t *testing.T) {
	for _, damage := range []struct {
		name string
		f    func([]byte) []byte
	}{
		{"truncated", func(b []byte) []byte { return b[:len(b)/2] }},
		{"flipped byte", func(b []byte) []byte { b[len(b)/2] ^= 0xff; return b }},
		{"not an entry", func([]byte) []byte { return []byte("hello") }},
		{"empty", func([]byte) []byte { return nil }},
	} {
		t.Run(damage.name, func(t *testing.T) {
			d, dir, lines := cacheDevice(t)
			src := cacheKernel(t, "5.0")
			if _, err := d.CompileSource(src); err != nil {
				t.Fatal(err)
			}
			entries, _ := filepath.Glob(filepath.Join(dir, "*.bin"))
			if len(entries) != 1 {
				t.Fatalf("entries %v", entries)
			}
			raw, _ := os.ReadFile(entries[0])
			os.WriteFile(entries[0], damage.f(raw), 0o644)

			p, err := d.CompileSource(src)
			if err != nil {
				t.Fatalf("a corrupt entry must be ignored, got %v", err)
			}
			runKernel(t, d, p, 5)
			s := d.ProgramCacheStats()
			if s.Corrupt != 1 || s.Hits != 0 || s.Stores != 2 {
				t.Errorf("stats %+v, want 1 corrupt, 0 hits, a fresh store", s)
			}
			if len(*lines) != 1 || !strings.HasPrefix((*lines)[0], "glcnn: note: ") {
				t.Errorf("printed %q, want the one note about rebuilt entries", *lines)
			}
			// The rewritten entry is good again.
			if _, err := d.CompileSource(src); err != nil {
				t.Fatal(err)
			}
			if s := d.ProgramCacheStats(); s.Hits != 1 {
				t.Errorf("after the rewrite: %+v, want a hit", s)
			}
		})
	}
}

func TestProgramCacheDirFromEnv(t *testing.T) {
	t.Setenv("GLCNN_CACHE_DIR", "/some/where")
	if got := gpu.DefaultProgramCacheDir(); got != filepath.Join("/some/where", "programs") {
		t.Errorf("GLCNN_CACHE_DIR: %q", got)
	}
	t.Setenv("GLCNN_CACHE_DIR", "off")
	if got := gpu.DefaultProgramCacheDir(); got != "" {
		t.Errorf("GLCNN_CACHE_DIR=off: %q", got)
	}
	os.Unsetenv("GLCNN_CACHE_DIR")
	if got := gpu.DefaultProgramCacheDir(); !strings.HasSuffix(got, filepath.Join("glcnn", "programs")) {
		t.Errorf("default: %q", got)
	}
}

// fakeDriver writes a driver library with the given contents and time, and
// a maps file (the format of /proc/self/maps) that lists it.
func fakeDriver(t *testing.T, dir, contents string, mtime time.Time) (maps string) {
	t.Helper()
	lib := filepath.Join(dir, "fake_dri.so")
	maps = filepath.Join(dir, "maps")
	if err := os.WriteFile(lib, []byte(contents), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(lib, mtime, mtime); err != nil {
		t.Fatal(err)
	}
	line := "7f0000000000-7f0000001000 r-xp 00000000 08:01 1234    " + lib + "\n"
	if err := os.WriteFile(maps, []byte(line), 0o644); err != nil {
		t.Fatal(err)
	}
	return maps
}

func TestDriverIdentity(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"libvulkan_lvp.so", "libc.so.6", "swrast_dri.so"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(name), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	maps := filepath.Join(dir, "maps")
	lines := []string{
		"55d000000000-55d000001000 r-xp 00000000 08:01 11 /usr/bin/glcnn",
		"7f0000000000-7f0000001000 r--p 00000000 08:01 12 " + dir + "/swrast_dri.so",
		"7f0000001000-7f0000002000 r-xp 00001000 08:01 12 " + dir + "/swrast_dri.so", // one library, many mappings
		"7f0000002000-7f0000003000 r-xp 00000000 08:01 13 " + dir + "/libc.so.6",     // not a driver
		"7f0000003000-7f0000004000 r-xp 00000000 08:01 14 " + dir + "/libvulkan_lvp.so",
		"7f0000004000-7f0000005000 r-xp 00000000 08:01 15 /old/libLLVM-15.so.1 (deleted)", // updated under the process
		"7f0000005000-7f0000006000 rw-p 00000000 00:00 0 [heap]",
		"7f0000006000-7f0000007000 rw-p 00000000 00:00 0",
	}
	if err := os.WriteFile(maps, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	id, libs := gpu.DriverIdentity("R", "4.6 Mesa 1", maps)
	t.Logf("%s\n%s", id, strings.Join(libs, "\n"))
	if len(libs) != 3 || !strings.HasPrefix(libs[0], "/old/libLLVM-15.so.1 (deleted)") ||
		!strings.HasPrefix(libs[1], dir+"/libvulkan_lvp.so ") || !strings.HasPrefix(libs[2], dir+"/swrast_dri.so ") {
		t.Errorf("libraries %q, want the deleted LLVM, lavapipe and swrast_dri, each once", libs)
	}
	if !strings.HasPrefix(id, "R; 4.6 Mesa 1; libraries ") {
		t.Errorf("id %q does not start with the renderer and version", id)
	}
	if again, _ := gpu.DriverIdentity("R", "4.6 Mesa 1", maps); again != id {
		t.Errorf("not stable: %q, then %q", id, again)
	}

	// A point update: the same version string, a new build of a library.
	lib := filepath.Join(dir, "swrast_dri.so")
	old, _ := os.Stat(lib)
	os.WriteFile(lib, []byte("swrast_dri.so, rebuilt"), 0o644)
	if updated, _ := gpu.DriverIdentity("R", "4.6 Mesa 1", maps); updated == id {
		t.Errorf("a rebuilt driver library left the id at %q", id)
	}
	// The same size, another build time.
	os.WriteFile(lib, []byte("swrast_dri.so"), 0o644)
	os.Chtimes(lib, old.ModTime().Add(time.Hour), old.ModTime().Add(time.Hour))
	if updated, _ := gpu.DriverIdentity("R", "4.6 Mesa 1", maps); updated == id {
		t.Errorf("a driver library with a new time left the id at %q", id)
	}
	os.Chtimes(lib, old.ModTime(), old.ModTime())
	if back, _ := gpu.DriverIdentity("R", "4.6 Mesa 1", maps); back != id {
		t.Errorf("the original library again gives %q, not %q", back, id)
	}

	// No /proc (not Linux): renderer and version alone.
	if id, libs := gpu.DriverIdentity("R", "4.6 Mesa 1", filepath.Join(dir, "no-such-maps")); id != "R; 4.6 Mesa 1" || libs != nil {
		t.Errorf("without maps: %q %q", id, libs)
	}
}

func TestDeviceDriverID(t *testing.T) {
	d := gputest.Device(t)
	in := d.Info()
	t.Logf("%s\n%s", d.DriverID(), strings.Join(in.DriverLibs, "\n"))
	if d.DriverID() != in.DriverID || !strings.HasPrefix(d.DriverID(), in.Renderer+"; "+in.Version) {
		t.Errorf("DriverID %q, Info.DriverID %q: want both to start with %q", d.DriverID(), in.DriverID, in.Renderer+"; "+in.Version)
	}
	if runtime.GOOS != "linux" {
		return
	}
	if len(in.DriverLibs) == 0 {
		t.Fatalf("%s: no driver library found in /proc/self/maps", in.Renderer)
	}
	if now, _ := gpu.DriverIdentity(in.Renderer, in.Version, "/proc/self/maps"); now != d.DriverID() {
		t.Errorf("%s: the id read now, %q, differs from the one read at open, %q", in.Renderer, now, d.DriverID())
	}
}

// A driver update that keeps the version string (Mesa 22.3.6-1+deb12u1 ->
// +deb12u2) must not find the old build's entries: that build's binaries
// are refused by the new one.
func TestProgramBinaryCacheDriverUpdate(t *testing.T) {
	d, dir, lines := cacheDevice(t)
	src := cacheKernel(t, "7.0")
	fake := t.TempDir()
	built := time.Date(2023, 4, 1, 12, 0, 0, 0, time.UTC)
	gpu.SetDriverMaps(d, fakeDriver(t, fake, "Mesa 22.3.6-1+deb12u1", built))
	version := d.Info().Version

	nextRun(t, d, dir, lines)
	if _, err := d.CompileSource(src); err != nil {
		t.Fatal(err)
	}
	nextRun(t, d, dir, lines)
	if _, err := d.CompileSource(src); err != nil {
		t.Fatal(err)
	}
	if s := d.ProgramCacheStats(); s.Hits != 1 {
		t.Fatalf("the same driver build again: %+v, want a hit", s)
	}

	gpu.SetDriverMaps(d, fakeDriver(t, fake, "Mesa 22.3.6-1+deb12u2", built.AddDate(0, 6, 0)))
	if d.Info().Version != version {
		t.Fatalf("the version string changed: %q -> %q", version, d.Info().Version)
	}
	nextRun(t, d, dir, lines)
	p, err := d.CompileSource(src)
	if err != nil {
		t.Fatal(err)
	}
	runKernel(t, d, p, 7)
	if s := d.ProgramCacheStats(); s.Hits != 0 || s.Misses != 1 || s.Stores != 1 || s.Refused != 0 || s.Corrupt != 0 {
		t.Errorf("after the update: %+v, want a miss and a store, nothing refused", s)
	}
	if entries, _ := filepath.Glob(filepath.Join(dir, "*.bin")); len(entries) != 2 {
		t.Errorf("%d entries, want 2 (one per driver build)", len(entries))
	}
	if len(*lines) > 0 {
		t.Errorf("a new driver build is not corruption; printed %q", *lines)
	}
}

// Entries the driver refuses are rebuilt, and however many there are the
// process prints one line about them.
func TestProgramBinaryCacheRefused(t *testing.T) {
	const n = 8
	d, dir, lines := cacheDevice(t)
	srcs := make([]*shaders.Source, n)
	for i := range srcs {
		srcs[i] = cacheKernel(t, fmt.Sprintf("%d.0", 10+i))
	}
	compileAll := func() {
		t.Helper()
		for i, src := range srcs {
			p, err := d.CompileSource(src)
			if err != nil {
				t.Fatalf("kernel %d: %v", i, err)
			}
			runKernel(t, d, p, float32(10+i))
		}
	}
	// Garbles every stored binary behind a valid checksum: only the driver
	// can tell, as with binaries from another build of it.
	garble := func() {
		t.Helper()
		entries, _ := filepath.Glob(filepath.Join(dir, "*.bin"))
		if len(entries) != n {
			t.Fatalf("%d entries, want %d", len(entries), n)
		}
		for _, e := range entries {
			err := gpu.RewriteCachedBinary(d, e, func(bin []byte) []byte {
				for i := range bin {
					bin[i] ^= 0x5a
				}
				return bin
			})
			if err != nil {
				t.Fatal(err)
			}
		}
	}

	compileAll()
	garble()
	nextRun(t, d, dir, lines)
	compileAll()
	if s := d.ProgramCacheStats(); s.Refused != n || s.Corrupt != 0 || s.Hits != 0 || s.Stores != n {
		t.Errorf("stats %+v, want %d refused and rebuilt", s, n)
	}
	if len(*lines) != 1 || !strings.HasPrefix((*lines)[0], "glcnn: note: ") || !strings.Contains((*lines)[0], "refused") {
		t.Fatalf("printed %q, want one note naming the refusal", *lines)
	}
	t.Log((*lines)[0])

	// The rebuilt entries serve the next run.
	nextRun(t, d, dir, lines)
	compileAll()
	if s := d.ProgramCacheStats(); s.Hits != n || s.Refused != 0 {
		t.Errorf("after the rebuild: %+v, want %d hits", s, n)
	}

	// The note is once per process, not once per cache.
	garble()
	nextRun(t, d, dir, lines)
	compileAll()
	if s := d.ProgramCacheStats(); s.Refused != n {
		t.Errorf("second refusal: %+v, want %d refused", s, n)
	}
	if len(*lines) != 1 {
		t.Errorf("printed %q, want still only the first note", *lines)
	}
}
