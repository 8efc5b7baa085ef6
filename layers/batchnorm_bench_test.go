package layers

import (
	"fmt"
	"testing"

	"github.com/glcnn/glcnn/gpu/gputest"
)

// BenchmarkBatchNorm times batch norm, alone and with its ReLU fused, at
// batch 128 on the default network's two shapes (16x14x14: a plane that is
// a multiple of 4; 32x7x7: one that is not) and a flat 64 (BatchNorm1d):
// the training forward, the eval forward (the apply kernel alone), the
// backward without dx (the reductions) and with it.
func BenchmarkBatchNorm(b *testing.B) {
	d := gputest.Device(b)
	b.Logf("GL_RENDERER %s", d.Info().Renderer)
	for _, in := range [][]int{{16, 14, 14}, {32, 7, 7}, {64}} {
		for _, relu := range []bool{false, true} {
			l := NewBatchNorm2D()
			if len(in) == 1 {
				l = NewBatchNorm1D()
			}
			name := fmt.Sprint(in)
			if relu {
				l.FuseNext(NewReLU())
				name += "+relu"
			}
			if _, err := l.Setup(d, in, benchBatch); err != nil {
				b.Fatal(err)
			}
			x, dy := benchInputs(b, d, l, in)
			passes := []struct {
				name string
				run  func()
			}{
				{"fwd", func() { l.Forward(x, Mode{Train: true}) }},
				{"fwd_eval", func() { l.Forward(x, Mode{}) }},
				{"bwd_params", func() { l.Forward(x, Mode{Train: true}); l.Backward(dy, false) }},
				{"bwd", func() { l.Forward(x, Mode{Train: true}); l.Backward(dy, true) }},
			}
			for _, p := range passes {
				b.Run(name+"/"+p.name, func(b *testing.B) { timePass(b, d, p.run, 0) })
			}
			x.Release()
			dy.Release()
			l.Release()
		}
	}
}
