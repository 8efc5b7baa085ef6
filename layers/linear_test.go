package layers

import (
	"fmt"
	"testing"

	"github.com/glcnn/glcnn/gpu/gputest"
	"github.com/glcnn/glcnn/layers/ref"
)

func TestLinear(t *testing.T) {
	cases := []struct {
		in   []int
		n    int
		out  int
		bias bool
	}{
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
	// "blocked-scalar" is blocked with the vec kernels off (the In % 4 != 0
	// fallback at every shape).
	for _, v := range append(variants, "blocked-scalar") {
		for i, c := range cases {
			t.Run(fmt.Sprintf("%s/%v_n%d_out%d_bias%v", v, c.in, c.n, c.out, c.bias), func(t *testing.T) {
				l := NewLinear(c.out, c.bias)
				l.Variant = v
				if v == "blocked-scalar" {
					l.Variant = VariantBlocked
					defer setLinearVec(false)()
				}
				f := Numel(c.in)
				lc := layerCase{in: c.in, n: c.n, mode: Mode{Train: true}, seed: int64(1000 + i)}
				if f := Numel(c.in); f > 1000 {
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
			})
		}
	}
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

// setLinearVec sets linearVec and returns the function that restores it.
func setLinearVec(on bool) func() {
	old := linearVec
	linearVec = on
	return func() { linearVec = old }
}

// TestLinearSlices runs the weight gradient over more samples than one
// invocation may sum (llvmpipe's loop limit), split into batch slices: a
// small slice here, and one the size of the trainer's largest chunk plus
// one with the default slice, whose sums would come out short if the
// loops were cut.
func TestLinearSlices(t *testing.T) {
	for _, c := range []struct{ in, n, out, slice int }{{8, 50, 4, 16}, {16, 9000, 6, 0}} {
		t.Run(fmt.Sprintf("in%d_n%d_out%d_slice%d", c.in, c.n, c.out, c.slice), func(t *testing.T) {
			if c.slice > 0 {
				old := linearFilterSlice
				linearFilterSlice = c.slice
				defer func() { linearFilterSlice = old }()
			}
			l := NewLinear(c.out, true)
			l.Variant = VariantBlocked
			checkLayer(t, l, layerCase{in: []int{c.in}, n: c.n, mode: Mode{Train: true}, seed: 77},
				func(x []float64, params map[string][]float64, dy []float64) ([]float64, []float64, map[string][]float64) {
					y := ref.LinearForward(c.n, c.in, c.out, x, params["weight"], params["bias"])
					dx, dw, db := ref.LinearBackward(c.n, c.in, c.out, x, params["weight"], dy)
					return y, dx, map[string][]float64{"weight": dw, "bias": db}
				})
		})
	}
}
