package layers

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/glcnn/glcnn/gpu/gputest"
	"github.com/glcnn/glcnn/layers/ref"
)

func TestAvgPool2D(t *testing.T) {
	for _, c := range []struct {
		k, s  int
		n, ch int
		h, w  int
	}{
		{2, 2, 2, 3, 8, 8},
		{2, 2, 1, 1, 5, 7},    // batch 1, odd sizes: last row/column dropped
		{2, 2, 3, 13, 13, 13}, // odd everything
		{3, 2, 2, 3, 13, 13},  // overlapping windows, all inputs covered
		{3, 2, 1, 1, 5, 7},
		{3, 2, 4, 13, 8, 10}, // overlapping, last row and column uncovered
		{3, 3, 2, 2, 10, 11}, // no overlap, uncovered border: dx 0 there
		{3, 1, 1, 3, 9, 11},  // overlapping, stride 1, batch 1
		{2, 3, 2, 3, 8, 11},  // gaps between windows
		{1, 1, 2, 3, 5, 7},   // kernel 1
		{5, 1, 2, 1, 7, 6},   // large overlap
		{5, 2, 1, 2, 9, 9},
		{3, 2, 3, 5, 17, 19}, // 4845 inputs, 1280 outputs: not multiples of the workgroup
		{2, 1, 3, 3, 28, 28},
	} {
		t.Run(fmt.Sprintf("k%d_s%d_n%d_c%d_%dx%d", c.k, c.s, c.n, c.ch, c.h, c.w), func(t *testing.T) {
			p := ref.Pool2DParams{N: c.n, C: c.ch, H: c.h, W: c.w, K: c.k, Stride: c.s}
			checkLayer(t, NewAvgPool2D(c.k, c.s), layerCase{in: []int{c.ch, c.h, c.w}, n: c.n, mode: Mode{Train: true}, seed: int64(c.h*100 + c.k)},
				func(x []float64, _ map[string][]float64, dy []float64) ([]float64, []float64, map[string][]float64) {
					return ref.AvgPool2DForward(p, x), ref.AvgPool2DBackward(p, dy), nil
				})
		})
	}
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

// TestAvgPool2DRelease sets the layer up, checks its cost names, releases
// it twice and wants no GPU memory left behind.
func TestAvgPool2DRelease(t *testing.T) {
	d := gputest.Device(t)
	before := d.Stats()
	l := NewAvgPool2D(3, 2)
	if _, err := l.Setup(d, []int{3, 9, 9}, 4); err != nil {
		t.Fatal(err)
	}
	checkCostNames(t, l.Kind(), l.Costs(4))
	l.Release()
	l.Release()
	if after := d.Stats(); after.LiveBuffers != before.LiveBuffers || after.LiveBytes != before.LiveBytes {
		t.Errorf("live buffers %d (%d bytes) after release, %d (%d bytes) before",
			after.LiveBuffers, after.LiveBytes, before.LiveBuffers, before.LiveBytes)
	}
	if _, err := l.Setup(d, []int{3, 2, 9}, 4); err == nil || !strings.Contains(err.Error(), "window larger") {
		t.Errorf("Setup on 3x2x9: %v", err)
	}
}
