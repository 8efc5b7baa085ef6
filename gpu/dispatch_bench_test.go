package gpu_test

import (
	"testing"

	"github.com/glcnn/glcnn/gpu"
	"github.com/glcnn/glcnn/gpu/gputest"
)

// BenchmarkDispatchParams times one small dispatch that sets seven
// parameters (maxpool's), the per-dispatch overhead every layer pays.
func BenchmarkDispatchParams(b *testing.B) {
	d := gputest.Device(b)
	p := d.MustProgram("maxpool2d_fwd", gpu.D("PAIRS", 0))
	x, _ := gpu.NewBuffer[float32](d, 16*28*28)
	y, _ := gpu.NewBuffer[float32](d, 16*14*14)
	a, _ := gpu.NewBuffer[uint32](d, 16*14*14)
	defer x.Release()
	defer y.Release()
	defer a.Release()
	n := 16 * 14 * 14
	b.Logf("renderer: %s", d.Info().Renderer)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		d.Dispatch(p, gpu.Grid1(n), gpu.Bindings{0: x, 1: y, 2: a}, gpu.U("n", n), gpu.U("H", 28), gpu.U("W", 28),
			gpu.U("OH", 14), gpu.U("OW", 14), gpu.U("K", 2), gpu.U("S", 2))
	}
	d.Finish()
}
