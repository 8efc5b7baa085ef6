package ref

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
)

// Close compares got (float32, e.g. read back from the GPU) with want
// (float64, from this package) element by element under the balanced
// tolerance |got-want| <= max(r*|got+want|, a). It returns "" when every
// element passes, otherwise a message naming the first mismatches (up to 5,
// with their indices) and how many there were. A length mismatch or a NaN in
// either slice is a mismatch.
func Close(got []float32, want []float64, r, a float64) string {
	if len(got) != len(want) {
		return fmt.Sprintf("length mismatch: got %d values, want %d", len(got), len(want))
	}
	var sb strings.Builder
	bad := 0
	for i := range got {
		g, w := float64(got[i]), want[i]
		diff := math.Abs(g - w)
		if !math.IsNaN(g) && !math.IsNaN(w) && diff <= math.Max(r*math.Abs(g+w), a) {
			continue
		}
		if bad < 5 {
			fmt.Fprintf(&sb, "\n  [%d] got %.9g want %.9g (diff %.3g)", i, g, w, diff)
		}
		bad++
	}
	if bad == 0 {
		return ""
	}
	return fmt.Sprintf("%d of %d values differ (r=%g a=%g):%s", bad, len(got), r, a, sb.String())
}

// Float64s returns s converted to float64.
func Float64s(s []float32) []float64 {
	d := make([]float64, len(s))
	for i, v := range s {
		d[i] = float64(v)
	}
	return d
}

// Float32s returns s converted (rounded) to float32.
func Float32s(s []float64) []float32 {
	d := make([]float32, len(s))
	for i, v := range s {
		d[i] = float32(v)
	}
	return d
}

// RandN returns n values drawn uniformly from [-1,1) by a math/rand/v2 PCG
// seeded with seed, so tests get the same inputs on every run and platform.
func RandN(seed int64, n int) []float64 {
	rng := rand.New(rand.NewPCG(uint64(seed), 0x676c636e6e)) // "glcnn"
	d := make([]float64, n)
	for i := range d {
		d[i] = 2*rng.Float64() - 1
	}
	return d
}
