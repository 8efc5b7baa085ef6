package gpu_test

import (
	"fmt"
	"math"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/glcnn/glcnn/gpu"
	"github.com/glcnn/glcnn/gpu/gputest"
	"github.com/glcnn/glcnn/shaders"
)

func TestInfo(t *testing.T) {
	in := gputest.Device(t).Info()
	t.Logf("%s: %s, %s", in.Context, in.Renderer, in.Version)
	if in.GLMajor < 4 || (in.GLMajor == 4 && in.GLMinor < 3) {
		t.Errorf("GL %d.%d < 4.3", in.GLMajor, in.GLMinor)
	}
	if in.Renderer == "" || in.MaxInvocations < 128 || in.MaxStorageBlock < 1<<24 || in.MaxGroupCount[0] < 65535 {
		t.Errorf("implausible limits: %+v", in)
	}
	if strings.Contains(in.Renderer, "llvmpipe") != in.Software {
		t.Errorf("Software = %v for %q", in.Software, in.Renderer)
	}
}

func roundTrip[T gpu.Elem](t *testing.T, d *gpu.Device, n int, gen func(i int) T) {
	t.Helper()
	b, err := gpu.NewBuffer[T](d, n)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Release()
	src := make([]T, n)
	for i := range src {
		src[i] = gen(i)
	}
	b.Upload(src)
	got := b.Read()
	for i := range src {
		if got[i] != src[i] {
			t.Fatalf("%T n=%d: element %d = %v, want %v", src[0], n, i, got[i], src[i])
		}
	}
	// A partial range: overwrite the middle third and read a window around it.
	lo, hi := n/3, n-n/3
	mid := make([]T, hi-lo)
	for i := range mid {
		mid[i] = gen(i + 7)
	}
	b.UploadAt(lo, mid)
	win := make([]T, min(n, hi+1)-max(0, lo-1))
	b.DownloadAt(win, max(0, lo-1))
	for j := range win {
		i := j + max(0, lo-1)
		want := src[i]
		if i >= lo && i < hi {
			want = mid[i-lo]
		}
		if win[j] != want {
			t.Fatalf("%T n=%d partial: element %d = %v, want %v", src[0], n, i, win[j], want)
		}
	}
}

func TestBufferRoundTrip(t *testing.T) {
	d := gputest.Device(t)
	for _, n := range []int{1, 3, 1000, 1<<20 + 7} {
		roundTrip(t, d, n, func(i int) float32 { return float32(i)*0.5 - 3 })
		roundTrip(t, d, n, func(i int) uint32 { return uint32(i * 2654435761) })
		roundTrip(t, d, n, func(i int) uint8 { return uint8(i*7 + 1) })
	}
}

func TestCopyAndFill(t *testing.T) {
	d := gputest.Device(t)
	a, _ := gpu.NewBuffer[uint8](d, 11)
	b, _ := gpu.NewBuffer[uint8](d, 11)
	defer a.Release()
	defer b.Release()
	a.Upload([]uint8{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11})
	b.Fill(0xEE)
	b.CopyFrom(a, 2, 5, 3)
	b.FillRange(9, 2, 0x11)
	want := []uint8{0xEE, 0xEE, 0xEE, 0xEE, 0xEE, 3, 4, 5, 0xEE, 0x11, 0x11}
	if got := b.Read(); string(got) != string(want) {
		t.Errorf("u8 copy/fill = %v, want %v", got, want)
	}
	f, _ := gpu.NewBuffer[float32](d, 5)
	defer f.Release()
	f.Fill(-1.5)
	f.FillRange(1, 2, 2.25)
	if got := f.Read(); got[0] != -1.5 || got[1] != 2.25 || got[2] != 2.25 || got[3] != -1.5 || got[4] != -1.5 {
		t.Errorf("f32 fill = %v", got)
	}
}

func TestAllocationLimit(t *testing.T) {
	d := gputest.Device(t)
	lim := d.Info().MaxStorageBlock
	if _, err := gpu.NewBuffer[float32](d, int(lim/4)+1); err == nil || !strings.Contains(err.Error(), "limit") {
		t.Errorf("allocation past GL_MAX_SHADER_STORAGE_BLOCK_SIZE: err = %v", err)
	}
}

// TestDispatchCanary runs kernels over n items of a buffer with a canary
// tail and checks results and that nothing past n was written.
func TestDispatchCanary(t *testing.T) {
	d := gputest.Device(t)
	const canary = 64
	for _, wg := range []int{1, 64, 256} {
		for _, n := range []int{1, 3, 255, 257, 1000} {
			y, _ := gpu.NewBuffer[float32](d, n+canary)
			y.Fill(float32(math.Pi))
			fill := d.MustProgram("fill_f32", gpu.D("WG", wg))
			d.Dispatch(fill, gpu.Grid1(n), gpu.Bindings{0: y}, gpu.U("n", n), gpu.U("offset", 0), gpu.U("value", 2))
			scale := d.MustProgram("scale_f32", gpu.D("WG", wg))
			d.Dispatch(scale, gpu.Grid1(n), gpu.Bindings{0: y, 1: y}, gpu.U("n", n), gpu.U("a", 3), gpu.U("b", -1))
			got := y.Read()
			for i, v := range got {
				want := float32(5)
				if i >= n {
					want = float32(math.Pi)
				}
				if v != want {
					t.Fatalf("WG=%d n=%d: y[%d] = %v, want %v", wg, n, i, v, want)
				}
			}
			y.Release()
		}
	}
}

// TestGridFolding launches more groups than the x limit allows; Grid1 folds
// them into y and gid() must still cover every element exactly once.
func TestGridFolding(t *testing.T) {
	d := gputest.Device(t)
	p := d.MustProgram("scale_f32", gpu.D("WG", 1))
	n := d.Info().MaxGroupCount[0] + 1000
	if g := d.Groups(p, gpu.Grid1(n)); g[1] < 2 {
		t.Fatalf("groups %v: not folded", g)
	}
	x, _ := gpu.NewBuffer[float32](d, n)
	y, _ := gpu.NewBuffer[float32](d, n+1)
	defer x.Release()
	defer y.Release()
	x.Fill(1)
	d.Dispatch(p, gpu.Grid1(n), gpu.Bindings{0: x, 1: y}, gpu.U("n", n), gpu.U("a", 2), gpu.U("b", 0))
	got := y.Read()
	for i, v := range got {
		if want := float32(2 * min(1, n-i)); v != want {
			t.Fatalf("y[%d] = %v, want %v", i, v, want)
		}
	}
}

func TestCompileErrorNamesFileAndLine(t *testing.T) {
	d := gputest.Device(t)
	fsys := fstest.MapFS{
		"bad.comp":    {Data: []byte("layout(local_size_x = 1) in;\n\nvoid main() {\n    undeclared_thing = 1;\n}\n")},
		"uses.comp":   {Data: []byte("layout(local_size_x = 1) in;\n#include \"bad.glsl\"\nvoid main() { }\n")},
		"bad.glsl":    {Data: []byte("// a header\nfloat f() {\n  return nope;\n}\n")},
		"linkok.comp": {Data: []byte("layout(local_size_x = 1) in;\nvoid main() { }\n")},
	}
	for _, c := range []struct{ kernel, want, not string }{
		{"bad.comp", "bad.comp:4", "bad.comp:5"},
		{"uses.comp", "bad.glsl:3", "uses.comp:3"},
	} {
		src, err := shaders.AssembleFS(fsys, c.kernel, nil)
		if err != nil {
			t.Fatal(err)
		}
		_, err = d.CompileSource(src)
		if err == nil {
			t.Fatalf("%s compiled", c.kernel)
		}
		if !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), c.not) {
			t.Errorf("%s: error does not name %s (or names %s):\n%v", c.kernel, c.want, c.not, err)
		}
	}
	src, _ := shaders.AssembleFS(fsys, "linkok.comp", nil)
	if _, err := d.CompileSource(src); err != nil {
		t.Errorf("a valid kernel failed: %v", err)
	}
}

func TestProgramCache(t *testing.T) {
	d := gputest.Device(t)
	a := d.MustProgram("fill_f32", gpu.D("WG", 32))
	b := d.MustProgram("fill_f32", gpu.D("WG", 32))
	c := d.MustProgram("fill_f32", gpu.D("WG", 16))
	if a != b || a == c {
		t.Errorf("cache: same defines gave %p/%p, other defines %p", a, b, c)
	}
	if a.LocalSize() != [3]int{32, 1, 1} {
		t.Errorf("local size %v", a.LocalSize())
	}
}

func TestCountersReturnToZero(t *testing.T) {
	d := gputest.Device(t)
	before := d.Stats()
	d.ResetTransfers()
	var bufs []*gpu.Buffer[float32]
	for i := range 5 {
		b, err := gpu.NewBuffer[float32](d, 100*(i+1))
		if err != nil {
			t.Fatal(err)
		}
		bufs = append(bufs, b)
	}
	bufs[0].Upload(make([]float32, 100))
	bufs[1].Download(make([]float32, 200))
	bufs[1].DownloadAt(make([]float32, 10), 5)
	s := d.Stats()
	if s.LiveBuffers != before.LiveBuffers+5 || s.LiveBytes != before.LiveBytes+4*1500 {
		t.Errorf("live = %d buffers %d bytes, want +5, +6000 over %+v", s.LiveBuffers, s.LiveBytes, before)
	}
	if s.Uploads != 1 || s.UploadBytes != 400 || s.Downloads != 2 || s.DownloadBytes != 840 {
		t.Errorf("transfers = %+v", s)
	}
	for _, b := range bufs {
		b.Release()
		b.Release() // idempotent
	}
	if s := d.Stats(); s.LiveBuffers != before.LiveBuffers || s.LiveBytes != before.LiveBytes {
		t.Errorf("after release: %d buffers, %d bytes; want %d, %d", s.LiveBuffers, s.LiveBytes, before.LiveBuffers, before.LiveBytes)
	}
}

func TestCallsFromGoroutines(t *testing.T) {
	d := gputest.Device(t)
	var wg sync.WaitGroup
	errs := make(chan string, 8)
	for g := range 8 {
		wg.Go(func() {
			b, err := gpu.NewBuffer[uint32](d, 1000+g)
			if err != nil {
				errs <- err.Error()
				return
			}
			defer b.Release()
			for round := range 20 {
				src := make([]uint32, b.Len())
				for i := range src {
					src[i] = uint32(g*1_000_000 + round*1000 + i)
				}
				b.Upload(src)
				got := b.Read()
				for i := range got {
					if got[i] != src[i] {
						errs <- "goroutine data mixed up"
						return
					}
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	// Nested: gpu methods inside Call run directly on the GL thread.
	var n int
	d.Call(func() {
		b, _ := gpu.NewBuffer[float32](d, 3)
		b.Upload([]float32{1, 2, 3})
		n = len(b.Read())
		b.Release()
	})
	if n != 3 {
		t.Errorf("nested call read %d", n)
	}
}

func TestTime(t *testing.T) {
	d := gputest.Device(t)
	y, _ := gpu.NewBuffer[float32](d, 1<<16)
	defer y.Release()
	p := d.MustProgram("fill_f32")
	dur, clock := d.Time(func() {
		d.Dispatch(p, gpu.Grid1(y.Len()), gpu.Bindings{0: y}, gpu.U("n", y.Len()), gpu.U("offset", 0), gpu.U("value", 1))
	})
	if dur <= 0 {
		t.Errorf("duration %v", dur)
	}
	if want := gpu.WallFinish; d.Info().Software && clock != want {
		t.Errorf("software renderer timed with %s", clock)
	}
}

// The backends are tested in child processes: one GL context per process.
func TestMain(m *testing.M) {
	if ctx := os.Getenv("GLCNN_CHILD_CONTEXT"); ctx != "" {
		d, err := gpu.Open(gpu.Options{Context: ctx})
		if err != nil {
			os.Stderr.WriteString(err.Error() + "\n")
			os.Exit(3)
		}
		in := d.Info()
		os.Stdout.WriteString(in.Context + " | " + in.Renderer + " | " + in.Version + "\n")
		d.Close()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func child(t *testing.T, env []string, argv ...string) (string, error) {
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func TestBackends(t *testing.T) {
	self, _ := os.Executable()
	out, err := child(t, []string{"GLCNN_CHILD_CONTEXT=egl"}, self)
	if err != nil || !strings.Contains(out, "EGL") {
		t.Errorf("egl: %v\n%s", err, out)
	}
	t.Log("egl: ", out)

	noDisplay := []string{"GLCNN_CHILD_CONTEXT=glfw", "DISPLAY=", "WAYLAND_DISPLAY="}
	out, err = child(t, noDisplay, self)
	if err == nil || !strings.Contains(out, `Options{Context: "egl"}`) || !strings.Contains(out, "xvfb-run") {
		t.Errorf("glfw without a display: err=%v, want advice on Options.Context egl and xvfb-run:\n%s", err, out)
	}

	xvfb, err := exec.LookPath("xvfb-run")
	if err != nil {
		t.Fatal("xvfb-run is missing: `make deps` installs it (package xvfb)")
	}
	out, err = child(t, []string{"GLCNN_CHILD_CONTEXT=glfw"}, xvfb, "-a", self)
	if err != nil || !strings.Contains(out, "GLFW") {
		t.Errorf("glfw under xvfb-run: %v\n%s", err, out)
	}
	t.Log("glfw: ", out)
}

// TestUniformBlock binds a buffer as a uniform block.
func TestUniformBlock(t *testing.T) {
	d := gputest.Device(t)
	fsys := fstest.MapFS{"ubo.comp": {Data: []byte(`layout(local_size_x = 4) in;
layout(std140, binding = 0) uniform Wts { vec4 w[2]; };
layout(std430, binding = 1) writeonly buffer Y { float y[]; };
void main() { uint i = gl_GlobalInvocationID.x; y[i] = w[i / 4u][i % 4u] * 2.0; }
`)}}
	src, _ := shaders.AssembleFS(fsys, "ubo.comp", nil)
	p, err := d.CompileSource(src)
	if err != nil {
		t.Fatal(err)
	}
	w, _ := gpu.NewBuffer[float32](d, 8)
	y, _ := gpu.NewBuffer[float32](d, 8)
	defer w.Release()
	defer y.Release()
	w.Upload([]float32{1, 2, 3, 4, 5, 6, 7, 8})
	d.Dispatch(p, gpu.Grid1(8), gpu.Bindings{0: d.AsUniformBlock(w), 1: y})
	for i, v := range y.Read() {
		if v != float32(2*(i+1)) {
			t.Fatalf("y[%d] = %v, want %v", i, v, 2*(i+1))
		}
	}
	if d.Info().MaxUniformBlock < 16384 {
		t.Errorf("max uniform block %d < 16 KiB (the GL minimum)", d.Info().MaxUniformBlock)
	}
}

// TestUniformTypos: a uniform the compiler optimised away is ignored, one
// the source never declares is a programming error.
func TestUniformTypos(t *testing.T) {
	d := gputest.Device(t)
	fsys := fstest.MapFS{"u.comp": {Data: []byte(`layout(local_size_x = 1) in;
layout(std430, binding = 0) buffer Y { float y[]; };
uniform float used;
uniform float unused;
uniform int a, b;
void main() { y[0] = used + float(a); }
`)}}
	src, _ := shaders.AssembleFS(fsys, "u.comp", nil)
	p, err := d.CompileSource(src)
	if err != nil {
		t.Fatal(err)
	}
	y, _ := gpu.NewBuffer[float32](d, 1)
	defer y.Release()
	d.Dispatch(p, gpu.Grid1(1), gpu.Bindings{0: y}, gpu.U("used", 3), gpu.U("unused", 1), gpu.U("a", 0), gpu.U("b", 5))
	if got := y.Read()[0]; got != 3 {
		t.Errorf("y = %v", got)
	}
	defer func() {
		if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), `"usde"`) {
			t.Errorf("a misspelt uniform: recover() = %v", r)
		}
	}()
	d.Dispatch(p, gpu.Grid1(1), gpu.Bindings{0: y}, gpu.U("usde", 3))
}
