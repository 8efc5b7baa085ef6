package layers

import (
	"slices"
	"strings"
	"testing"

	"github.com/glcnn/glcnn/gpu/gputest"
	"github.com/glcnn/glcnn/layers/ref"
)

func TestAvgPool2D(t *testing.T) {
	checkPoolCases(t, func(k, stride int) Layer { return NewAvgPool2D(k, stride) }, func(p ref.Pool2DParams) refFunc {
		return func(x []float64, _ map[string][]float64, dy []float64) ([]float64, []float64, map[string][]float64) {
			return ref.AvgPool2DForward(p, x), ref.AvgPool2DBackward(p, dy), nil
		}
	})
}

// TestAvgPool2DDeterministic runs the forward and backward of overlapping
// windows twice and wants the same bits: the backward is a gather in a
// fixed order, with no atomics.
func TestAvgPool2DDeterministic(t *testing.T) {
	d := gputest.Device(t)
	p := ref.Pool2DParams{N: 3, C: 4, H: 15, W: 13, K: 3, Stride: 1}
	l := NewAvgPool2D(p.K, p.Stride)
	out, err := l.Setup(d, []int{p.C, p.H, p.W}, p.N)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Release()
	x := tensorOf(t, ref.RandN(11, p.N*p.C*p.H*p.W), p.N, p.C, p.H, p.W)
	defer x.Release()
	dy := tensorOf(t, ref.RandN(12, p.N*Numel(out)), append([]int{p.N}, out...)...)
	defer dy.Release()
	run := func() (y, dx []float32) {
		y = l.Forward(x, Mode{Train: true}).Read()
		return y, l.Backward(dy, true).Read()
	}
	y1, dx1 := run()
	y2, dx2 := run()
	if !slices.Equal(y1, y2) || !slices.Equal(dx1, dx2) {
		t.Error("two runs on the same input differ")
	}
}

func TestAvgPoolOp(t *testing.T) {
	for args, want := range map[string]PoolArgs{"2": {K: 2, Stride: 2}, "3:1": {K: 3, Stride: 1}, "3.0:2": {K: 3, Stride: 2}} {
		if a, err := AvgPoolOp.Parse(strings.Split(args, ":")); err != nil || a != want {
			t.Errorf("avgpool:%s = %+v, %v; want %+v", args, a, err, want)
		}
	}
	a, _ := AvgPoolOp.Parse([]string{"3", "2"})
	if out, err := AvgPoolOp.Shape(a, []int{4, 9, 12}); err != nil || !slices.Equal(out, []int{4, 4, 5}) {
		t.Errorf("avgpool:3:2 on 4x9x12 = %v, %v; want [4 4 5]", out, err)
	}
	if _, err := AvgPoolOp.Shape(a, []int{4, 2, 12}); err == nil {
		t.Error("avgpool:3:2 on 4x2x12: no error")
	}
	m := AvgPoolOp.Module(a, []int{4, 9, 12})
	if m.Type != "AvgPool2d" || !slices.Equal(m.Args, []any{3}) || m.Kwargs["stride"] != 2 {
		t.Errorf("module %+v", m)
	}
}

// TestAvgPool2DSetupErrors: an input that is not (C,H,W) or smaller than
// the window is Setup's error (TestEveryOpReleases covers release and
// costs).
func TestAvgPool2DSetupErrors(t *testing.T) {
	d := gputest.Device(t)
	l := NewAvgPool2D(3, 2)
	for want, in := range map[string][]int{"window larger": {3, 2, 9}, "not (C,H,W)": {27}} {
		if _, err := l.Setup(d, in, 4); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Setup on %v: %v, want %q", in, err, want)
			l.Release()
		}
	}
}
