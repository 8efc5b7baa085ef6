package layers

import (
	"fmt"
	"testing"

	"github.com/glcnn/glcnn/gpu/gputest"
	"github.com/glcnn/glcnn/layers/ref"
)

func TestGlobalAvgPool2D(t *testing.T) {
	for _, c := range []struct{ n, ch, h, w int }{
		{1, 1, 1, 1},    // a plane of one
		{1, 3, 5, 7},    // batch 1, odd sizes
		{2, 4, 14, 14},  // the test net's shape
		{3, 13, 13, 13}, // odd everything
		{2, 1, 1, 9},    // one row
		{3, 97, 3, 2},   // 291 planes: more than one workgroup, not a multiple
		{2, 16, 28, 28}, // long sums
	} {
		t.Run(fmt.Sprintf("n%d_c%d_%dx%d", c.n, c.ch, c.h, c.w), func(t *testing.T) {
			checkLayer(t, NewGlobalAvgPool2D(), layerCase{in: []int{c.ch, c.h, c.w}, n: c.n, mode: Mode{Train: true}, seed: int64(5000 + c.ch*100 + c.h)},
				func(x []float64, _ map[string][]float64, dy []float64) ([]float64, []float64, map[string][]float64) {
					return ref.GlobalAvgPool2DForward(c.n, c.ch, c.h, c.w, x), ref.GlobalAvgPool2DBackward(c.n, c.ch, c.h, c.w, dy), nil
				})
		})
	}
}

// TestGlobalAvgPool2DDeterministic checks that two runs give the same bits:
// each plane is summed in one fixed order.
func TestGlobalAvgPool2DDeterministic(t *testing.T) {
	d := gputest.Device(t)
	in := []int{7, 11, 9}
	l := NewGlobalAvgPool2D()
	if _, err := l.Setup(d, in, 5); err != nil {
		t.Fatal(err)
	}
	x := tensorOf(t, ref.RandN(3, 5*Numel(in)), append([]int{5}, in...)...)
	defer x.Release()
	first := l.Forward(x, Mode{Train: true}).Read()
	second := l.Forward(x, Mode{Train: true}).Read()
	for i := range first {
		if first[i] != second[i] {
			t.Fatalf("y[%d]: %v, then %v", i, first[i], second[i])
		}
	}
	l.Release()
}

// TestGlobalAvgPool2DSetup: Setup refuses a flat input and gives (C,1,1)
// (TestEveryOpReleases covers release and costs).
func TestGlobalAvgPool2DSetup(t *testing.T) {
	d := gputest.Device(t)
	l := NewGlobalAvgPool2D()
	if _, err := l.Setup(d, []int{12}, 2); err == nil {
		t.Error("Setup on a flat input: no error")
	}
	out, err := l.Setup(d, []int{3, 9, 8}, 4)
	if err != nil || fmt.Sprint(out) != "[3 1 1]" {
		t.Fatalf("Setup(3x9x8) = %v, %v; want [3 1 1]", out, err)
	}
	l.Release()
}
