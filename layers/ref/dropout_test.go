package ref

import "testing"

func TestHash32Values(t *testing.T) {
	// Pinned from an independent Python implementation of lowbias32; the
	// GLSL kernel must produce the same bits.
	for _, tc := range []struct{ in, want uint32 }{
		{0, 0}, {1, 0x688990c0}, {2, 0xd1132181}, {12345, 0x912efcf7}, {0xffffffff, 0x6768824a},
	} {
		if got := Hash32(tc.in); got != tc.want {
			t.Errorf("Hash32(%#x) = %#x, want %#x", tc.in, got, tc.want)
		}
	}
	if got := Uniform(42, 0); got != 0.3754269480705261 {
		t.Errorf("Uniform(42, 0) = %v, want 0.3754269480705261", got)
	}
	if got := Uniform(42, 7); got != 0.019353628158569336 {
		t.Errorf("Uniform(42, 7) = %v, want 0.019353628158569336", got)
	}
}

func TestDropoutRateAndScale(t *testing.T) {
	const n = 100000
	x := make([]float64, n)
	for i := range x {
		x[i] = 1 + float64(i%7)
	}
	for _, p := range []float64{0.1, 0.3, 0.5, 0.9} {
		y, mask := DropoutForward(x, p, 7)
		kept := 0
		for i := range x {
			u := Uniform(7, uint32(i))
			if u < 0 || u >= 1 {
				t.Fatalf("Uniform(7, %d) = %v outside [0,1)", i, u)
			}
			switch mask[i] {
			case 0:
				if y[i] != 0 {
					t.Fatalf("p=%g: y[%d] = %g with mask 0", p, i, y[i])
				}
			case 1 / (1 - p):
				kept++
				if y[i] != x[i]/(1-p) && y[i] != x[i]*(1/(1-p)) {
					t.Fatalf("p=%g: y[%d] = %g, want %g", p, i, y[i], x[i]/(1-p))
				}
			default:
				t.Fatalf("p=%g: mask[%d] = %g, want 0 or %g", p, i, mask[i], 1/(1-p))
			}
		}
		// 5 standard deviations of a binomial(1e5, p) fraction is <= 0.008.
		if frac := float64(kept) / n; frac < 1-p-0.008 || frac > 1-p+0.008 {
			t.Errorf("p=%g: kept fraction %.4f, want %.4f +- 0.008", p, frac, 1-p)
		}
	}
}

func TestDropoutDeterminism(t *testing.T) {
	x := RandN(1, 1000)
	_, m1 := DropoutForward(x, 0.5, 99)
	_, m2 := DropoutForward(x, 0.5, 99)
	_, m3 := DropoutForward(x, 0.5, 100)
	same := 0
	for i := range m1 {
		if m1[i] != m2[i] {
			t.Fatalf("same seed gives different masks at %d", i)
		}
		if m1[i] == m3[i] {
			same++
		}
	}
	if same > 600 { // independent masks agree on ~500 of 1000
		t.Errorf("seeds 99 and 100 agree on %d of 1000 mask values", same)
	}
}

func TestDropoutIdentityAndBackward(t *testing.T) {
	x := RandN(2, 100)
	y, mask := DropoutForward(x, 0, 5)
	if msg := closeF64(y, x, 0, 0); msg != "" {
		t.Errorf("p=0 is not the identity: %s", msg)
	}
	for i, m := range mask {
		if m != 1 {
			t.Fatalf("p=0: mask[%d] = %g", i, m)
		}
	}
	_, mask = DropoutForward(x, 0.4, 5)
	dy := RandN(3, 100)
	gradCheck(t, "dropout dx", x, DropoutBackward(mask, dy), func() float64 {
		y, _ := DropoutForward(x, 0.4, 5)
		return dot(dy, y)
	})
	expectPanic(t, "p=1", func() { DropoutForward(x, 1, 0) })
	expectPanic(t, "short dy", func() { DropoutBackward(mask, dy[:1]) })
}
