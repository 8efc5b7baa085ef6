package ref

import (
	"fmt"
	"testing"
)

func TestConv2DForwardHand(t *testing.T) {
	// 3x3 input 1..9, 2x2 kernel of ones, no padding: each output sums a window.
	p := Conv2DParams{N: 1, C: 1, H: 3, W: 3, K: 1, KH: 2, KW: 2, Stride: 1}
	x := []float64{1, 2, 3, 4, 5, 6, 7, 8, 9}
	y := Conv2DForward(p, x, []float64{1, 1, 1, 1}, []float64{0.5})
	want := []float64{12.5, 16.5, 24.5, 28.5}
	if msg := closeF64(y, want, 0, 0); msg != "" {
		t.Error(msg)
	}
	// Pad 1, stride 2 on the same input: corners see 4 inputs, centre 9.
	p = Conv2DParams{N: 1, C: 1, H: 3, W: 3, K: 1, KH: 3, KW: 3, Stride: 2, Pad: 1}
	y = Conv2DForward(p, x, []float64{1, 1, 1, 1, 1, 1, 1, 1, 1}, nil)
	want = []float64{1 + 2 + 4 + 5, 2 + 3 + 5 + 6, 4 + 5 + 7 + 8, 5 + 6 + 8 + 9}
	if msg := closeF64(y, want, 0, 0); msg != "" {
		t.Error(msg)
	}
}

func TestConv2DBackwardFD(t *testing.T) {
	cases := []struct {
		p    Conv2DParams
		bias bool
	}{
		{Conv2DParams{N: 1, C: 1, H: 5, W: 5, K: 1, KH: 3, KW: 3, Stride: 1, Pad: 1}, true},
		{Conv2DParams{N: 2, C: 3, H: 7, W: 6, K: 2, KH: 3, KW: 3, Stride: 2, Pad: 1}, false},
		{Conv2DParams{N: 2, C: 2, H: 9, W: 11, K: 3, KH: 5, KW: 5, Stride: 2, Pad: 2}, true},
		{Conv2DParams{N: 1, C: 3, H: 4, W: 5, K: 2, KH: 1, KW: 1, Stride: 1, Pad: 0}, false},
		{Conv2DParams{N: 2, C: 2, H: 5, W: 7, K: 2, KH: 1, KW: 1, Stride: 2, Pad: 0}, true},
		{Conv2DParams{N: 1, C: 2, H: 6, W: 5, K: 3, KH: 3, KW: 5, Stride: 1, Pad: 2}, true},
		{Conv2DParams{N: 2, C: 1, H: 8, W: 7, K: 2, KH: 5, KW: 5, Stride: 1, Pad: 0}, false},
		{Conv2DParams{N: 2, C: 2, H: 6, W: 6, K: 2, KH: 3, KW: 3, Stride: 3, Pad: 2}, true},
	}
	for ci, tc := range cases {
		p := tc.p
		t.Run(fmt.Sprintf("%d_%dx%d_s%d_p%d", ci, p.KH, p.KW, p.Stride, p.Pad), func(t *testing.T) {
			oh, ow := p.OutHW()
			x := RandN(int64(10*ci+1), p.N*p.C*p.H*p.W)
			w := RandN(int64(10*ci+2), p.K*p.C*p.KH*p.KW)
			dy := RandN(int64(10*ci+3), p.N*p.K*oh*ow)
			var b []float64
			if tc.bias {
				b = RandN(int64(10*ci+4), p.K)
			}
			dx, dw, db := Conv2DBackward(p, x, w, dy)
			loss := func() float64 { return dot(dy, Conv2DForward(p, x, w, b)) }
			gradCheck(t, "dx", x, dx, loss)
			gradCheck(t, "dw", w, dw, loss)
			if !tc.bias {
				// db is the gradient of a bias that is zero: nil must equal zeros.
				zeros := make([]float64, p.K)
				if msg := closeF64(Conv2DForward(p, x, w, nil), Conv2DForward(p, x, w, zeros), 0, 0); msg != "" {
					t.Errorf("nil bias vs zero bias: %s", msg)
				}
				b = zeros
			}
			gradCheck(t, "db", b, db, loss)
		})
	}
}

func TestConv2DPanics(t *testing.T) {
	p := Conv2DParams{N: 1, C: 1, H: 3, W: 3, K: 1, KH: 3, KW: 3, Stride: 1}
	expectPanic(t, "short x", func() { Conv2DForward(p, make([]float64, 8), make([]float64, 9), nil) })
	expectPanic(t, "short b", func() { Conv2DForward(p, make([]float64, 9), make([]float64, 9), []float64{}) })
	expectPanic(t, "short dy", func() { Conv2DBackward(p, make([]float64, 9), make([]float64, 9), make([]float64, 2)) })
	expectPanic(t, "stride 0", func() { Conv2DForward(Conv2DParams{N: 1, C: 1, H: 3, W: 3, K: 1, KH: 3, KW: 3}, nil, nil, nil) })
}
