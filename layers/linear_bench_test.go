package layers

import (
	"fmt"
	"testing"

	"github.com/glcnn/glcnn/gpu"
	"github.com/glcnn/glcnn/gpu/gputest"
	"github.com/glcnn/glcnn/layers/ref"
)

// BenchmarkLinear times each Linear kernel at batch 128 for the default
// preset's hidden layer (32*7*7 -> 64), a 1568 -> 10 head and the
// article's head (196 -> 10): the blocked variant with its vec kernels
// ("vec") and without ("scalar", the kernels for In % 4 != 0). bwd_filter
// includes its slice reduction, if any. llvmpipe figures are
// software-renderer figures; cpu-ms/op is steadier than ns/op on a shared
// machine.
func BenchmarkLinear(b *testing.B) {
	d := gputest.Device(b)
	b.Logf("GL_RENDERER %s", d.Info().Renderer)
	for _, s := range []struct{ in, out int }{{1568, 64}, {1568, 10}, {196, 10}} {
		for _, pass := range []string{"fwd", "bwd_data", "bwd_filter"} {
			for _, vec := range []bool{false, true} {
				name := map[bool]string{false: "scalar", true: "vec"}[vec]
				b.Run(fmt.Sprintf("%dto%d/%s/%s", s.in, s.out, pass, name), func(b *testing.B) {
					benchLinear(b, d, pass, s.in, s.out, !vec)
				})
			}
		}
	}
}

func benchLinear(b *testing.B, d *gpu.Device, pass string, in, out int, scalar bool) {
	const n = 128
	l := NewLinear(out, false)
	l.Variant, l.tune.scalarLinear = VariantBlocked, scalar
	if _, err := l.Setup(d, []int{in}, n); err != nil {
		b.Fatal(err)
	}
	defer l.Release()
	x, _ := NewTensor(d, n, in)
	defer x.Release()
	x.Buf.Upload(ref.Float32s(ref.RandN(1, x.Len())))
	l.weight.Value.Buf.Upload(ref.Float32s(ref.RandN(2, l.weight.Value.Len())))
	dy, _ := NewTensor(d, n, out)
	defer dy.Release()
	dy.Buf.Upload(ref.Float32s(ref.RandN(3, dy.Len())))
	l.Forward(x, Mode{Train: true})
	run := map[string]func(){
		"fwd":        func() { l.Forward(x, Mode{Train: true}) },
		"bwd_data":   func() { l.backwardData(dy, n) },
		"bwd_filter": func() { l.backwardFilter(dy, n) },
	}[pass]
	timePass(b, d, run, l.Costs(n)["linear_"+pass].FLOPs)
}
