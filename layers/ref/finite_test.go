package ref

import (
	"math"
	"testing"
)

func TestNonFiniteHand(t *testing.T) {
	nan, inf := float32(math.NaN()), float32(math.Inf(1))
	for _, c := range []struct {
		x    []float32
		want int
	}{
		{nil, 0},
		{[]float32{0, float32(math.Copysign(0, -1)), 1, -1}, 0},
		{[]float32{math.MaxFloat32, -math.MaxFloat32, math.SmallestNonzeroFloat32}, 0},
		{[]float32{nan}, 1},
		{[]float32{inf, -inf, 2}, 2},
		{[]float32{math.Float32frombits(0x7f800001), math.Float32frombits(0xffffffff), 1e30}, 2}, // signalling and negative NaNs
	} {
		if got := NonFinite(c.x); got != c.want {
			t.Errorf("NonFinite(%v) = %d, want %d", c.x, got, c.want)
		}
	}
}
