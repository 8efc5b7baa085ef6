package layers

import (
	"fmt"
	"testing"

	"github.com/glcnn/glcnn/gpu/gputest"
	"github.com/glcnn/glcnn/layers/ref"
)

// linearCase is one Linear shape: per-sample input in, batch n, out
// outputs.
type linearCase struct {
	in   []int
	n    int
	out  int
	bias bool
}

func (c linearCase) String() string {
	return fmt.Sprintf("%v_n%d_out%d_bias%v", c.in, c.n, c.out, c.bias)
}

var linearCases = []linearCase{
	{[]int{1, 7}, 1, 3, true},
	{[]int{13}, 33, 10, true},
	{[]int{196}, 1, 10, false},
	{[]int{4, 7, 7}, 33, 10, true}, // the article's head, input not yet flat
	{[]int{5}, 9, 1, false},
	{[]int{37}, 5, 67, true}, // more outputs than a workgroup's tile row
	// vec kernels (In % 4 == 0) next to the cases above's fallback
	{[]int{1568}, 128, 64, true}, // the default preset's hidden layer
	{[]int{1568}, 33, 10, true},
	{[]int{196}, 128, 10, true}, // the default preset's head
	{[]int{196}, 33, 10, false},
	{[]int{8}, 1, 6, true},    // Out % 4 != 0, batch 1
	{[]int{12}, 300, 4, true}, // a large batch, Out % 4 == 0
	{[]int{20}, 300, 9, false},
	{[]int{44}, 7, 20, true}, // In/4 odd: a partial vec4 column block
}

func TestLinear(t *testing.T) {
	// "blocked-scalar" is blocked with the vec kernels off (the In % 4 != 0
	// fallback at every shape).
	for _, v := range append(variants, "blocked-scalar") {
		for i, c := range linearCases {
			t.Run(fmt.Sprintf("%s/%s", v, c), func(t *testing.T) {
				l := NewLinear(c.out, c.bias)
				l.Variant = v
				if v == "blocked-scalar" {
					l.Variant, l.tune.scalarLinear = VariantBlocked, true
				}
				checkLinear(t, l, c, int64(1000+i))
			})
		}
	}
}

// checkLinear runs checkLayer on l, set up for case c, against the float64
// reference.
func checkLinear(t *testing.T, l *Linear, c linearCase, seed int64) {
	t.Helper()
	f := Numel(c.in)
	lc := layerCase{in: c.in, n: c.n, mode: Mode{Train: true}, seed: seed}
	if f > 1000 {
		// Sums of ~1568 unit-variance products: float32 rounding
		// in any order reaches ~1e-5 absolute.
		lc.r, lc.a = 1e-4, 1e-4
	}
	checkLayer(t, l, lc,
		func(x []float64, params map[string][]float64, dy []float64) ([]float64, []float64, map[string][]float64) {
			y := ref.LinearForward(c.n, f, c.out, x, params["weight"], params["bias"])
			dx, dw, db := ref.LinearBackward(c.n, f, c.out, x, params["weight"], dy)
			grads := map[string][]float64{"weight": dw}
			if c.bias {
				grads["bias"] = db
			}
			return y, dx, grads
		})
}

func TestLinearCosts(t *testing.T) {
	d := gputest.Device(t)
	l := NewLinear(10, true)
	if _, err := l.Setup(d, []int{4, 7, 7}, 8); err != nil {
		t.Fatal(err)
	}
	defer l.Release()
	c := l.Costs(8)
	if c["linear_fwd"].FLOPs != 2*8*196*10+80 || c["linear_bwd_filter"].Bytes != 4*(80+8*196+2*1960) || c["bias_bwd"].FLOPs != 80 {
		t.Errorf("costs %+v", c)
	}
	if l.Kind() != "fc" {
		t.Errorf("Kind %q", l.Kind())
	}
}

// TestLinearSlices runs the weight gradient over more samples than one
// invocation may sum (llvmpipe's loop limit), split into batch slices: a
// small slice here, and one the size of the trainer's largest chunk plus
// one with the default slice, whose sums would come out short if the
// loops were cut.
func TestLinearSlices(t *testing.T) {
	for _, c := range []struct{ in, n, out, slice int }{{8, 50, 4, 16}, {16, 9000, 6, 0}} {
		t.Run(fmt.Sprintf("in%d_n%d_out%d_slice%d", c.in, c.n, c.out, c.slice), func(t *testing.T) {
			l := NewLinear(c.out, true)
			l.Variant, l.tune.linearSlice = VariantBlocked, c.slice
			checkLinear(t, l, linearCase{in: []int{c.in}, n: c.n, out: c.out, bias: true}, 77)
			if ns := divUp(c.n, l.filterSlice()); c.slice > 0 && ns < 2 {
				t.Errorf("%d samples in slices of %d: %d slice", c.n, c.slice, ns)
			}
		})
	}
}
