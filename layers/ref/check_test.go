package ref

import (
	"fmt"
	"math"
	"testing"
)

// fdStep is the central-difference step; with float64 the truncation error
// (~h^2) and the rounding error (~1e-16*|L|/h) both stay well under fdAbs.
const (
	fdStep = 1e-6
	fdRel  = 1e-6
	fdAbs  = 1e-7
)

// gradCheck compares grad, the analytical dL/dv, with the central differences
// (L(v+h)-L(v-h))/2h of loss over every element of v, which it perturbs and
// restores in place. It reports the first few mismatches with their indices.
func gradCheck(t *testing.T, name string, v, grad []float64, loss func() float64) {
	t.Helper()
	if len(grad) != len(v) {
		t.Fatalf("%s: len(grad) = %d, len(v) = %d", name, len(grad), len(v))
	}
	want := make([]float64, len(v))
	for i := range v {
		orig := v[i]
		v[i] = orig + fdStep
		lp := loss()
		v[i] = orig - fdStep
		lm := loss()
		v[i] = orig
		want[i] = (lp - lm) / (2 * fdStep)
	}
	if msg := closeF64(grad, want, fdRel, fdAbs); msg != "" {
		t.Errorf("%s: analytical (got) vs finite differences (want): %s", name, msg)
	}
}

// closeF64 is Close for two float64 slices.
func closeF64(got, want []float64, r, a float64) string {
	if len(got) != len(want) {
		return fmt.Sprintf("length mismatch: got %d values, want %d", len(got), len(want))
	}
	msg, bad := "", 0
	for i := range got {
		diff := math.Abs(got[i] - want[i])
		if !math.IsNaN(diff) && diff <= math.Max(r*math.Abs(got[i]+want[i]), a) {
			continue
		}
		if bad < 5 {
			msg += fmt.Sprintf("\n  [%d] got %.12g want %.12g (diff %.3g)", i, got[i], want[i], diff)
		}
		bad++
	}
	if bad == 0 {
		return ""
	}
	return fmt.Sprintf("%d of %d values differ (r=%g a=%g):%s", bad, len(got), r, a, msg)
}

// dot returns sum_i a[i]*b[i]: the scalar objective L = sum(dy * y).
func dot(a, b []float64) float64 {
	if len(a) != len(b) {
		panic(fmt.Sprintf("dot: lengths %d and %d", len(a), len(b)))
	}
	s := 0.0
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

// expectPanic fails t unless f panics with a message starting with "ref: ".
func expectPanic(t *testing.T, name string, f func()) {
	t.Helper()
	defer func() {
		t.Helper()
		r := recover()
		if s, ok := r.(string); !ok || len(s) < 5 || s[:5] != "ref: " {
			t.Errorf("%s: recovered %v, want a panic starting with \"ref: \"", name, r)
		}
	}()
	f()
}
