package ref

import (
	"math"
	"strings"
	"testing"
)

func TestClose(t *testing.T) {
	want := []float64{1, -2, 0, 1e-7, 100}
	got := Float32s(want)
	if msg := Close(got, want, 1e-4, 1e-5); msg != "" {
		t.Errorf("equal values: %s", msg)
	}
	// Within the relative tolerance (|diff| = 1e-3 <= 1e-4*|200|) and the absolute one.
	if msg := Close([]float32{1, -2, 1e-6, 1e-7, 100.001}, want, 1e-4, 1e-5); msg != "" {
		t.Errorf("values within tolerance: %s", msg)
	}
	bad := []float32{1, -2.1, 0, 1e-7, 101}
	msg := Close(bad, want, 1e-4, 1e-5)
	if !strings.Contains(msg, "2 of 5") || !strings.Contains(msg, "[1]") || !strings.Contains(msg, "[4]") {
		t.Errorf("mismatch message %q should name 2 of 5 values, indices 1 and 4", msg)
	}
	if msg := Close(got[:4], want, 1, 1); !strings.Contains(msg, "length") {
		t.Errorf("length mismatch not reported: %q", msg)
	}
	if msg := Close([]float32{float32(math.NaN())}, []float64{0}, 1, 1); msg == "" {
		t.Error("NaN in got not reported")
	}
	if msg := Close([]float32{0}, []float64{math.NaN()}, 1, 1); msg == "" {
		t.Error("NaN in want not reported")
	}
	many := make([]float32, 20)
	if msg := Close(many, make([]float64, 20), 0, 0); msg != "" {
		t.Errorf("zeros with zero tolerance: %s", msg)
	}
	for i := range many {
		many[i] = 1
	}
	if msg := Close(many, make([]float64, 20), 0, 0); strings.Count(msg, "\n") != 5 {
		t.Errorf("want exactly 5 listed mismatches, got %q", msg)
	}
}

func TestRandNAndConversions(t *testing.T) {
	a, b, c := RandN(3, 1000), RandN(3, 1000), RandN(4, 1000)
	for i := range a {
		if a[i] != b[i] {
			t.Fatal("RandN is not deterministic")
		}
		if a[i] < -1 || a[i] >= 1 {
			t.Fatalf("RandN value %g outside [-1,1)", a[i])
		}
	}
	if a[0] == c[0] && a[1] == c[1] {
		t.Error("RandN seeds 3 and 4 agree")
	}
	if f := Float64s([]float32{0.5, -1}); f[0] != 0.5 || f[1] != -1 {
		t.Errorf("Float64s = %v", f)
	}
}
