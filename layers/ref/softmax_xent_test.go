package ref

import (
	"fmt"
	"math"
	"testing"
)

func TestSoftmaxCrossEntropyFD(t *testing.T) {
	cases := []struct {
		n, classes int
		smoothing  float64
	}{{1, 3, 0}, {3, 5, 0}, {3, 5, 0.1}, {4, 10, 0.2}, {1, 2, 0.5}}
	for ci, tc := range cases {
		t.Run(fmt.Sprintf("n%d_c%d_eps%g", tc.n, tc.classes, tc.smoothing), func(t *testing.T) {
			z := RandN(int64(ci+1), tc.n*tc.classes)
			for i := range z {
				z[i] *= 3
			}
			labels := make([]int32, tc.n)
			for i := range labels {
				labels[i] = int32((i*7 + ci) % tc.classes)
			}
			_, dz, _ := SoftmaxCrossEntropy(tc.n, tc.classes, z, labels, tc.smoothing)
			gradCheck(t, "dlogits", z, dz, func() float64 {
				loss, _, _ := SoftmaxCrossEntropy(tc.n, tc.classes, z, labels, tc.smoothing)
				return loss
			})
		})
	}
}

func TestSoftmaxCrossEntropyHand(t *testing.T) {
	// Equal logits: loss log(C) whatever the smoothing; argmax ties go to
	// class 0, so only the row labelled 0 counts as correct.
	z := make([]float64, 2*4)
	for _, eps := range []float64{0, 0.1} {
		loss, dz, correct := SoftmaxCrossEntropy(2, 4, z, []int32{0, 3}, eps)
		if math.Abs(loss-math.Log(4)) > 1e-15 || correct != 1 {
			t.Errorf("eps=%g: loss, correct = %g, %d, want %g, 1", eps, loss, correct, math.Log(4))
		}
		// dz = (0.25 - target)/2; target = 1-eps+eps/4 on the label, eps/4 elsewhere.
		on, off := (0.25-(1-eps+eps/4))/2, (0.25-eps/4)/2
		want := []float64{on, off, off, off, off, off, off, on}
		if msg := closeF64(dz, want, 1e-15, 1e-17); msg != "" {
			t.Errorf("eps=%g: %s", eps, msg)
		}
	}
	// Two classes, logits (0, log 3): p = (1/4, 3/4); label 1, no smoothing.
	loss, _, correct := SoftmaxCrossEntropy(1, 2, []float64{0, math.Log(3)}, []int32{1}, 0)
	if math.Abs(loss-math.Log(4.0/3)) > 1e-15 || correct != 1 {
		t.Errorf("loss, correct = %g, %d, want %g, 1", loss, correct, math.Log(4.0/3))
	}
}

func TestSoftmaxCrossEntropyStable(t *testing.T) {
	z := []float64{1000, 0, -1000, 1e4, 1e4 + 1, -1e4}
	loss, dz, correct := SoftmaxCrossEntropy(2, 3, z, []int32{0, 1}, 0.1)
	if math.IsNaN(loss) || math.IsInf(loss, 0) || correct != 2 {
		t.Fatalf("loss, correct = %g, %d", loss, correct)
	}
	for i, g := range dz {
		if math.IsNaN(g) || math.IsInf(g, 0) {
			t.Fatalf("dlogits[%d] = %g", i, g)
		}
	}
	// Each row of dlogits sums to zero (softmax and target both sum to one).
	for r := 0; r < 2; r++ {
		if s := dz[3*r] + dz[3*r+1] + dz[3*r+2]; math.Abs(s) > 1e-15 {
			t.Errorf("row %d of dlogits sums to %g", r, s)
		}
	}
}

func TestSoftmaxCrossEntropyPanics(t *testing.T) {
	expectPanic(t, "short logits", func() { SoftmaxCrossEntropy(2, 3, make([]float64, 5), []int32{0, 0}, 0) })
	expectPanic(t, "bad label", func() { SoftmaxCrossEntropy(1, 3, make([]float64, 3), []int32{3}, 0) })
}
