package ref

import (
	"testing"
)

func TestAvgPool2DHand(t *testing.T) {
	// 5x5 input, 3x3/2 floor mode: four windows overlapping on row 2 and
	// column 2; every input is covered.
	p := Pool2DParams{N: 1, C: 1, H: 5, W: 5, K: 3, Stride: 2}
	x := make([]float64, 25)
	for i := range x {
		x[i] = float64(i)
	}
	// Window (oy,ox) has centre (2oy+1, 2ox+1), and the mean of a 3x3
	// block of 0..24 is its centre's value.
	if msg := closeF64(AvgPool2DForward(p, x), []float64{6, 8, 16, 18}, 1e-15, 0); msg != "" {
		t.Error(msg)
	}
	dx := AvgPool2DBackward(p, []float64{9, 18, 27, 36})
	// dx = sum over the windows containing the input of dy/9.
	want := []float64{
		1, 1, 3, 2, 2,
		1, 1, 3, 2, 2,
		4, 4, 10, 6, 6,
		3, 3, 7, 4, 4,
		3, 3, 7, 4, 4,
	}
	if msg := closeF64(dx, want, 1e-15, 0); msg != "" {
		t.Error(msg)
	}
}

func TestAvgPool2DUncovered(t *testing.T) {
	// 2x2/3 on 6x7: rows 2 and 5 and columns 2, 5 and 6 are in no window.
	p := Pool2DParams{N: 1, C: 1, H: 6, W: 7, K: 2, Stride: 3}
	dx := AvgPool2DBackward(p, []float64{4, 4, 4, 4})
	for h := 0; h < p.H; h++ {
		for w := 0; w < p.W; w++ {
			want := 1.0
			if h%3 == 2 || w%3 == 2 || w == 6 {
				want = 0
			}
			if got := dx[h*p.W+w]; got != want {
				t.Errorf("dx[%d,%d] = %g, want %g", h, w, got, want)
			}
		}
	}
}

func TestAvgPool2DBackwardFD(t *testing.T) {
	checkPoolBackwardFD(t, AvgPool2DForward, func(p Pool2DParams, _, dy []float64) []float64 {
		return AvgPool2DBackward(p, dy)
	})
}

func TestAvgPool2DPanics(t *testing.T) {
	p := Pool2DParams{N: 1, C: 1, H: 4, W: 4, K: 2, Stride: 2}
	expectPanic(t, "short x", func() { AvgPool2DForward(p, make([]float64, 15)) })
	expectPanic(t, "short dy", func() { AvgPool2DBackward(p, make([]float64, 3)) })
	expectPanic(t, "window past input", func() {
		AvgPool2DForward(Pool2DParams{N: 1, C: 1, H: 2, W: 4, K: 3, Stride: 1}, make([]float64, 8))
	})
}
