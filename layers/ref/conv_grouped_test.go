package ref

import (
	"fmt"
	"math"
	"testing"
)

// TestGroupedConv2DIsBlockDiagonal checks the grouped convolution against
// the dense one (Conv2DForward, Conv2DBackward) with a block-diagonal
// weight: zero wherever an output channel and an input channel are in
// different groups. dx and db must agree, and dw on the blocks.
func TestGroupedConv2DIsBlockDiagonal(t *testing.T) {
	for _, p := range []GroupedConv2DParams{
		{Conv2DParams{N: 2, C: 4, H: 5, W: 7, K: 6, KH: 3, KW: 3, Stride: 1, Pad: 1}, 2},
		{Conv2DParams{N: 1, C: 3, H: 7, W: 6, K: 3, KH: 5, KW: 5, Stride: 2, Pad: 2}, 3}, // depthwise
		{Conv2DParams{N: 3, C: 3, H: 4, W: 5, K: 6, KH: 1, KW: 1, Stride: 1, Pad: 0}, 3},
		{Conv2DParams{N: 2, C: 2, H: 6, W: 5, K: 3, KH: 3, KW: 2, Stride: 2, Pad: 0}, 1}, // groups 1: Conv2d
	} {
		t.Run(fmt.Sprintf("%+v", p), func(t *testing.T) {
			cg, kg, taps := p.C/p.Groups, p.K/p.Groups, p.KH*p.KW
			oh, ow := p.OutHW()
			x := RandN(1, p.N*p.C*p.H*p.W)
			w := RandN(2, p.K*cg*taps)
			b := RandN(3, p.K)
			dy := RandN(4, p.N*p.K*oh*ow)
			dense := make([]float64, p.K*p.C*taps)
			for k := 0; k < p.K; k++ {
				for c := 0; c < cg; c++ {
					copy(dense[(k*p.C+k/kg*cg+c)*taps:][:taps], w[(k*cg+c)*taps:][:taps])
				}
			}
			closeGrouped(t, "y", GroupedConv2DForward(p, x, w, b), Conv2DForward(p.Conv2DParams, x, dense, b))
			dx, dw, db := GroupedConv2DBackward(p, x, w, dy)
			wdx, wdw, wdb := Conv2DBackward(p.Conv2DParams, x, dense, dy)
			closeGrouped(t, "dx", dx, wdx)
			closeGrouped(t, "db", db, wdb)
			for k := 0; k < p.K; k++ {
				for c := 0; c < cg; c++ {
					closeGrouped(t, fmt.Sprintf("dw[%d,%d]", k, c), dw[(k*cg+c)*taps:][:taps], wdw[(k*p.C+k/kg*cg+c)*taps:][:taps])
				}
			}
		})
	}
}

func closeGrouped(t *testing.T, what string, got, want []float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", what, len(got), len(want))
	}
	for i := range got {
		if math.Abs(got[i]-want[i]) > 1e-12*(1+math.Abs(want[i])) {
			t.Fatalf("%s[%d] = %.17g, want %.17g", what, i, got[i], want[i])
		}
	}
}

func TestGroupedConv2DPanics(t *testing.T) {
	for _, p := range []GroupedConv2DParams{
		{Conv2DParams{N: 1, C: 4, H: 5, W: 5, K: 6, KH: 3, KW: 3, Stride: 1, Pad: 1}, 3}, // 3 does not divide 4
		{Conv2DParams{N: 1, C: 4, H: 5, W: 5, K: 6, KH: 3, KW: 3, Stride: 1, Pad: 1}, 4}, // nor 6
		{Conv2DParams{N: 1, C: 4, H: 5, W: 5, K: 6, KH: 3, KW: 3, Stride: 1, Pad: 1}, 0},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%+v: no panic", p)
				}
			}()
			GroupedConv2DForward(p, make([]float64, 100), make([]float64, 100), nil)
		}()
	}
}
