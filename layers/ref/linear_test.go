package ref

import (
	"fmt"
	"testing"
)

func TestLinearForwardHand(t *testing.T) {
	// x (1,2) = [1 2], W (3,2), b (3).
	y := LinearForward(1, 2, 3, []float64{1, 2}, []float64{1, 0, 0, 1, 1, 1}, []float64{0.5, 0, -1})
	if msg := closeF64(y, []float64{1.5, 2, 2}, 0, 0); msg != "" {
		t.Error(msg)
	}
}

func TestLinearBackwardFD(t *testing.T) {
	cases := []struct {
		n, in, out int
		bias       bool
	}{{1, 3, 2, true}, {2, 5, 3, false}, {3, 1, 4, true}, {2, 7, 1, true}}
	for ci, tc := range cases {
		t.Run(fmt.Sprintf("%dx%d_to_%d", tc.n, tc.in, tc.out), func(t *testing.T) {
			x := RandN(int64(ci+1), tc.n*tc.in)
			w := RandN(int64(ci+2), tc.out*tc.in)
			dy := RandN(int64(ci+3), tc.n*tc.out)
			b := make([]float64, tc.out)
			if tc.bias {
				b = RandN(int64(ci+4), tc.out)
			}
			dx, dw, db := LinearBackward(tc.n, tc.in, tc.out, x, w, dy)
			loss := func() float64 { return dot(dy, LinearForward(tc.n, tc.in, tc.out, x, w, b)) }
			gradCheck(t, "dx", x, dx, loss)
			gradCheck(t, "dw", w, dw, loss)
			gradCheck(t, "db", b, db, loss)
			if !tc.bias {
				if msg := closeF64(LinearForward(tc.n, tc.in, tc.out, x, w, nil), LinearForward(tc.n, tc.in, tc.out, x, w, b), 0, 0); msg != "" {
					t.Errorf("nil bias vs zero bias: %s", msg)
				}
			}
		})
	}
	expectPanic(t, "short w", func() { LinearForward(1, 2, 2, make([]float64, 2), make([]float64, 3), nil) })
	expectPanic(t, "short dy", func() { LinearBackward(1, 2, 2, make([]float64, 2), make([]float64, 4), make([]float64, 1)) })
}

func TestReLU(t *testing.T) {
	x := []float64{-1, 0, 2, -0.5, 3}
	if msg := closeF64(ReLUForward(x), []float64{0, 0, 2, 0, 3}, 0, 0); msg != "" {
		t.Error(msg)
	}
	// The gradient at exactly 0 is 0, as in PyTorch.
	if msg := closeF64(ReLUBackward(x, []float64{1, 2, 3, 4, 5}), []float64{0, 0, 3, 0, 5}, 0, 0); msg != "" {
		t.Error(msg)
	}
	// FD away from the kink (RandN values are never within 1e-6 of 0 here).
	x = RandN(7, 50)
	dy := RandN(8, 50)
	gradCheck(t, "relu dx", x, ReLUBackward(x, dy), func() float64 { return dot(dy, ReLUForward(x)) })
	expectPanic(t, "short dy", func() { ReLUBackward(x, dy[:3]) })
}
