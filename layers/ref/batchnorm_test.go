package ref

import (
	"fmt"
	"math"
	"testing"
)

func TestBatchNormBackwardFD(t *testing.T) {
	cases := []struct{ n, c, hw int }{{2, 3, 5}, {1, 2, 4}, {4, 1, 1}, {3, 4, 1}, {2, 2, 9}}
	for ci, tc := range cases {
		t.Run(fmt.Sprintf("n%d_c%d_hw%d", tc.n, tc.c, tc.hw), func(t *testing.T) {
			x := RandN(int64(ci+1), tc.n*tc.c*tc.hw)
			for i := range x {
				x[i] = 2*x[i] + 0.3 // not already normalized
			}
			gamma := RandN(int64(ci+2), tc.c)
			beta := RandN(int64(ci+3), tc.c)
			dy := RandN(int64(ci+4), len(x))
			rm, rv := make([]float64, tc.c), make([]float64, tc.c)
			_, mean, invstd := BatchNormForwardTrain(tc.n, tc.c, tc.hw, x, gamma, beta, rm, rv, 0.1, 1e-5)
			dx, dgamma, dbeta := BatchNormBackward(tc.n, tc.c, tc.hw, x, gamma, mean, invstd, dy)
			loss := func() float64 {
				y, _, _ := BatchNormForwardTrain(tc.n, tc.c, tc.hw, x, gamma, beta, rm, rv, 0.1, 1e-5)
				return dot(dy, y)
			}
			gradCheck(t, "dx", x, dx, loss)
			gradCheck(t, "dgamma", gamma, dgamma, loss)
			gradCheck(t, "dbeta", beta, dbeta, loss)
		})
	}
}

func TestBatchNormHand(t *testing.T) {
	// One channel, x = 1 2 3 4 over n=2, hw=2: mean 2.5, biased var 1.25,
	// unbiased var 5/3.
	x := []float64{1, 2, 3, 4}
	gamma, beta := []float64{2}, []float64{1}
	rm, rv := []float64{0}, []float64{1}
	const eps = 1e-5
	y, mean, invstd := BatchNormForwardTrain(2, 1, 2, x, gamma, beta, rm, rv, 0.1, eps)
	is := 1 / math.Sqrt(1.25+eps)
	wantY := []float64{2*-1.5*is + 1, 2*-0.5*is + 1, 2*0.5*is + 1, 2*1.5*is + 1}
	if msg := closeF64(y, wantY, 1e-15, 0); msg != "" {
		t.Errorf("y: %s", msg)
	}
	if mean[0] != 2.5 || math.Abs(invstd[0]-is) > 1e-15 {
		t.Errorf("mean, invstd = %g, %g, want 2.5, %g", mean[0], invstd[0], is)
	}
	if math.Abs(rm[0]-0.25) > 1e-15 || math.Abs(rv[0]-(0.9+0.1*5.0/3)) > 1e-15 {
		t.Errorf("running mean, var = %g, %g, want 0.25, %g", rm[0], rv[0], 0.9+0.1*5.0/3)
	}
	// Eval uses the running statistics just updated.
	ye := BatchNormForwardEval(2, 1, 2, x, gamma, beta, rm, rv, eps)
	ise := 1 / math.Sqrt(rv[0]+eps)
	wantE := []float64{2*(1-0.25)*ise + 1, 2*(2-0.25)*ise + 1, 2*(3-0.25)*ise + 1, 2*(4-0.25)*ise + 1}
	if msg := closeF64(ye, wantE, 1e-15, 0); msg != "" {
		t.Errorf("eval y: %s", msg)
	}
}

func TestBatchNormLayoutPerChannel(t *testing.T) {
	// n=2, c=2, hw=1: channel 0 is x[0], x[2]; channel 1 is x[1], x[3].
	x := []float64{0, 10, 2, 30}
	rm, rv := []float64{0, 0}, []float64{0, 0}
	_, mean, _ := BatchNormForwardTrain(2, 2, 1, x, []float64{1, 1}, []float64{0, 0}, rm, rv, 1, 0)
	if mean[0] != 1 || mean[1] != 20 {
		t.Errorf("mean = %v, want [1 20]", mean)
	}
	// momentum 1 replaces the running stats: unbiased var of {0,2} is 2, of {10,30} 200.
	if rv[0] != 2 || rv[1] != 200 {
		t.Errorf("runVar = %v, want [2 200]", rv)
	}
}

func TestBatchNormPanics(t *testing.T) {
	one := []float64{0}
	expectPanic(t, "short x", func() { BatchNormForwardTrain(2, 1, 2, make([]float64, 3), one, one, one, one, 0.1, 1e-5) })
	expectPanic(t, "M=1", func() { BatchNormForwardTrain(1, 1, 1, one, one, one, one, one, 0.1, 1e-5) })
	expectPanic(t, "short gamma", func() { BatchNormForwardEval(1, 2, 1, make([]float64, 2), one, one, one, one, 1e-5) })
	expectPanic(t, "short dy", func() { BatchNormBackward(2, 1, 1, make([]float64, 2), one, one, one, one) })
}
