package ref

import (
	"fmt"
	"testing"
)

func TestMaxPool2DHand(t *testing.T) {
	// 5x5 input, 2x2/2 floor mode: the last row and column are dropped.
	p := Pool2DParams{N: 1, C: 1, H: 5, W: 5, K: 2, Stride: 2}
	x := []float64{
		1, 9, 2, 3, 99,
		4, 5, 8, 7, 99,
		6, 6, 0, 1, 99,
		6, 2, 1, 1, 99,
		99, 99, 99, 99, 99,
	}
	y, arg := MaxPool2DForward(p, x)
	if msg := closeF64(y, []float64{9, 8, 6, 1}, 0, 0); msg != "" {
		t.Error(msg)
	}
	// Ties: first maximum in row-major window order wins (6 at 10, 1 at 13).
	wantArg := []int32{1, 7, 10, 13}
	for i := range wantArg {
		if arg[i] != wantArg[i] {
			t.Errorf("argmax[%d] = %d, want %d", i, arg[i], wantArg[i])
		}
	}
	dx := MaxPool2DBackward(p, arg, []float64{1, 2, 3, 4})
	want := make([]float64, 25)
	want[1], want[7], want[10], want[13] = 1, 2, 3, 4
	if msg := closeF64(dx, want, 0, 0); msg != "" {
		t.Error(msg)
	}
}

func TestMaxPool2DOverlapAccumulates(t *testing.T) {
	// 3x3/2 on 5x5 with the maximum in the centre of the overlap: all four
	// windows pick it, so its gradient is the sum of the four.
	p := Pool2DParams{N: 1, C: 1, H: 5, W: 5, K: 3, Stride: 2}
	x := make([]float64, 25)
	x[12] = 1
	_, arg := MaxPool2DForward(p, x)
	dx := MaxPool2DBackward(p, arg, []float64{1, 2, 3, 4})
	if dx[12] != 10 {
		t.Errorf("dx[12] = %g, want 10", dx[12])
	}
}

// poolFDCases are the shapes a pool's reference backward is checked on
// by central finite differences: windows that tile the input, overlap,
// leave gaps or an uncovered border, and stride 1.
var poolFDCases = []Pool2DParams{
	{N: 1, C: 1, H: 4, W: 4, K: 2, Stride: 2},
	{N: 2, C: 3, H: 7, W: 9, K: 3, Stride: 2},
	{N: 1, C: 2, H: 5, W: 5, K: 2, Stride: 2},
	{N: 2, C: 1, H: 6, W: 7, K: 3, Stride: 3},
	{N: 2, C: 1, H: 7, W: 8, K: 3, Stride: 3},
	{N: 2, C: 2, H: 5, W: 6, K: 2, Stride: 1},
	{N: 2, C: 2, H: 5, W: 6, K: 3, Stride: 1},
	{N: 1, C: 2, H: 8, W: 7, K: 2, Stride: 3},
}

// checkPoolBackwardFD checks backward(p, x, dy), the dx of a pool, against
// central finite differences of dy·forward(p, x) on each of poolFDCases.
func checkPoolBackwardFD(t *testing.T, forward func(Pool2DParams, []float64) []float64, backward func(p Pool2DParams, x, dy []float64) []float64) {
	t.Helper()
	for ci, p := range poolFDCases {
		t.Run(fmt.Sprintf("%d_k%d_s%d", ci, p.K, p.Stride), func(t *testing.T) {
			oh, ow := p.OutHW()
			x := RandN(int64(ci+100), p.N*p.C*p.H*p.W)
			dy := RandN(int64(ci+200), p.N*p.C*oh*ow)
			gradCheck(t, "dx", x, backward(p, x, dy), func() float64 {
				return dot(dy, forward(p, x))
			})
		})
	}
}

func TestMaxPool2DBackwardFD(t *testing.T) {
	// Continuous random values: ties (where max is not differentiable)
	// have probability zero, and gaps are far wider than the FD step.
	checkPoolBackwardFD(t, func(p Pool2DParams, x []float64) []float64 {
		y, _ := MaxPool2DForward(p, x)
		return y
	}, func(p Pool2DParams, x, dy []float64) []float64 {
		_, arg := MaxPool2DForward(p, x)
		return MaxPool2DBackward(p, arg, dy)
	})
}

func TestMaxPool2DPanics(t *testing.T) {
	p := Pool2DParams{N: 1, C: 1, H: 4, W: 4, K: 2, Stride: 2}
	expectPanic(t, "short x", func() { MaxPool2DForward(p, make([]float64, 15)) })
	expectPanic(t, "short dy", func() { MaxPool2DBackward(p, make([]int32, 4), make([]float64, 3)) })
	expectPanic(t, "bad argmax", func() { MaxPool2DBackward(p, []int32{0, 0, 0, 16}, make([]float64, 4)) })
}
