package gpu_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

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

// cacheDevice points the shared device's cache at a fresh directory for the
// test (and back at the default afterwards) and collects its warnings.
func cacheDevice(t *testing.T) (*gpu.Device, string, *[]string) {
	d := gputest.Device(t)
	dir := t.TempDir()
	d.SetProgramCache(dir)
	if d.ProgramCacheStats().Dir == "" {
		t.Fatalf("%s offers no program-binary format: the cache cannot work here", d.Info().Renderer)
	}
	var warnings []string
	gpu.CaptureCacheWarnings(d, func(s string) { warnings = append(warnings, s) })
	t.Cleanup(func() { d.SetProgramCache(gpu.DefaultProgramCacheDir()) })
	return d, dir, &warnings
}

// runKernel checks that p computes y[i] = 2i + want.
func runKernel(t *testing.T, d *gpu.Device, p *gpu.Program, want float32) {
	t.Helper()
	y, _ := gpu.NewBuffer[float32](d, 40)
	defer y.Release()
	d.Dispatch(p, gpu.Grid1(40), []gpu.Storage{y}, gpu.U("n", 40))
	for i, v := range y.Read() {
		if v != float32(2*i)+want {
			t.Fatalf("y[%d] = %v, want %v", i, v, float32(2*i)+want)
		}
	}
}

func TestProgramBinaryCacheHit(t *testing.T) {
	d, dir, warnings := cacheDevice(t)
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
	if len(*warnings) > 0 {
		t.Errorf("warnings: %q", *warnings)
	}
}

func TestProgramBinaryCacheInvalidation(t *testing.T) {
	d, dir, warnings := cacheDevice(t)
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
	gpu.SetCacheIdentity(d, d.Info().Renderer, d.Info().Version+" (upgraded)")
	if _, err := d.CompileSource(cacheKernel(t, "1.0")); err != nil {
		t.Fatal(err)
	}
	gpu.SetCacheIdentity(d, "another GPU", d.Info().Version)
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
	if len(*warnings) > 0 {
		t.Errorf("invalidation is not corruption; warnings: %q", *warnings)
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
			d, dir, warnings := cacheDevice(t)
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
			if len(*warnings) != 1 || !strings.Contains((*warnings)[0], "ignoring") {
				t.Errorf("warnings %q, want one saying the entry is ignored", *warnings)
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
	if got := gpu.DefaultProgramCacheDir(); got != "/some/where" {
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
