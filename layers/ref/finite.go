package ref

import "math"

// NonFinite counts the values of x that are NaN or infinite:
//
//	NonFinite(x) = #{ i : x[i] is NaN, +Inf or -Inf }
//
// It takes float32 values, as the GPU holds them: a float32 that overflowed
// is infinite there even when its float64 value would not be.
func NonFinite(x []float32) int {
	n := 0
	for _, v := range x {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			n++
		}
	}
	return n
}
