package gpu_test

import (
	"math"
	"os"
	"runtime"
	"strings"
	"testing"

	"github.com/glcnn/glcnn/gpu"
)

// TestWarmAhead: a device with JIT-ahead helpers (Options.Warm) computes
// what any device computes — the helpers dispatch each program on scratch
// buffers of their own context —, times work while they wait, and closes
// while they still have programs queued. On llvmpipe with Mesa's shader cache and several CPUs
// it has helpers; elsewhere none.
func TestWarmAhead(t *testing.T) {
	t.Setenv("MESA_SHADER_CACHE_DIR", t.TempDir()) // cold: the helpers have work
	t.Setenv("GLCNN_JIT_AHEAD", "1")
	d, err := gpu.Open(gpu.Options{Context: os.Getenv("GLCNN_CONTEXT"), Warm: true})
	if err != nil {
		t.Fatalf("no OpenGL 4.3 compute context: %v", err)
	}
	defer d.Close()
	in := d.Info()
	want := strings.HasPrefix(in.Renderer, "llvmpipe") && runtime.NumCPU() > 1
	if got := gpu.WarmHelpers(d) > 0; got != want {
		t.Errorf("%s, %d CPUs: helpers %v, want %v", in.Renderer, runtime.NumCPU(), got, want)
	}
	const canary = 64
	for _, wg := range []int{1, 64, 256} {
		fill := d.MustProgram("fill_f32", gpu.D("WG", wg))
		scale := d.MustProgram("scale_f32", gpu.D("WG", wg))
		for _, n := range []int{1, 257, 1000} {
			y, _ := gpu.NewBuffer[float32](d, n+canary)
			y.Fill(float32(math.Pi))
			d.Time(func() { // helpers pause while the device is timed
				d.Dispatch(fill, gpu.Grid1(n), gpu.Bindings{0: y}, gpu.U("n", n), gpu.U("offset", 0), gpu.U("value", 2))
			})
			d.Dispatch(scale, gpu.Grid1(n), gpu.Bindings{0: y, 1: y}, gpu.U("n", n), gpu.U("a", 3), gpu.U("b", -1))
			for i, v := range y.Read() {
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
	for _, wg := range []int{2, 4, 8, 16, 32} { // queued, never dispatched: Close must not wait for them
		d.MustProgram("scale_f32", gpu.D("WG", wg))
	}
}
