package layers

import (
	"fmt"
	"testing"

	"github.com/glcnn/glcnn/gpu/gputest"
	"github.com/glcnn/glcnn/layers/ref"
)

// BenchmarkAdamStep times one Adam step over the default network's
// trainable parameters (12 tensors, 106,548 values: one dispatch each)
// and over one tensor of the same size (one dispatch): the difference is
// what dispatching per tensor costs.
func BenchmarkAdamStep(b *testing.B) {
	d := gputest.Device(b)
	b.Logf("GL_RENDERER %s", d.Info().Renderer)
	shapes := [][]int{{16, 1, 3, 3}, {16}, {16}, {16}, {32, 16, 3, 3}, {32}, {32}, {32},
		{64, 1568}, {64}, {10, 64}, {10}}
	total := 0
	for _, s := range shapes {
		total += Numel(s)
	}
	for _, c := range []struct {
		name   string
		shapes [][]int
	}{{fmt.Sprintf("%d_tensors", len(shapes)), shapes}, {"1_tensor", [][]int{{total}}}} {
		var ps []*Param
		for i, s := range c.shapes {
			v, _ := NewTensor(d, s...)
			g, _ := NewTensor(d, s...)
			v.Buf.Upload(ref.Float32s(ref.RandN(int64(i), v.Len())))
			g.Buf.Upload(ref.Float32s(ref.RandN(int64(100+i), v.Len())))
			ps = append(ps, &Param{Name: fmt.Sprint(i), Value: v, Grad: g})
		}
		o, err := NewAdam(d, ps, DefaultAdam())
		if err != nil {
			b.Fatal(err)
		}
		b.Run(c.name, func(b *testing.B) { timePass(b, d, func() { o.Step(1e-3) }, 0) })
		o.Release()
		releaseParams(ps...)
	}
}
