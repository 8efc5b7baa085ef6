package ref

// Hash32 is the lowbias32 integer hash (Chris Wellons), the dropout RNG shared
// bit-exactly with the GLSL kernel:
//
//	x ^= x>>16; x *= 0x7feb352d; x ^= x>>15; x *= 0x846ca68b; x ^= x>>16
func Hash32(x uint32) uint32 {
	x ^= x >> 16
	x *= 0x7feb352d
	x ^= x >> 15
	x *= 0x846ca68b
	x ^= x >> 16
	return x
}

// Uniform returns the i-th uniform number of stream seed, in [0,1):
//
//	float32(Hash32(i ^ Hash32(seed)) >> 8) * (1.0/16777216.0)
//
// The top 24 bits convert to float32 exactly, so GLSL computes the same value.
func Uniform(seed, i uint32) float32 {
	return float32(Hash32(i^Hash32(seed))>>8) * (1.0 / 16777216.0)
}

// DropoutForward returns y and mask for training-mode (inverted) dropout with
// drop probability p:
//
//	mask[i] = 1/(1-p) if Uniform(seed, uint32(i)) >= float32(p), else 0
//	y[i]    = x[i] * mask[i]
//
// p == 0 is the identity (every mask value 1). It panics unless 0 <= p < 1.
func DropoutForward(x []float64, p float64, seed uint32) (y []float64, mask []float64) {
	if !(p >= 0 && p < 1) {
		panic("ref: DropoutForward: p must be in [0,1)")
	}
	y = make([]float64, len(x))
	mask = make([]float64, len(x))
	scale := 1 / (1 - p)
	for i, v := range x {
		if p == 0 || Uniform(seed, uint32(i)) >= float32(p) {
			mask[i] = scale
			y[i] = v * scale
		}
	}
	return y, mask
}

// DropoutBackward returns dx[i] = dy[i] * mask[i]. It panics when
// len(dy) != len(mask).
func DropoutBackward(mask, dy []float64) []float64 {
	checkLen("DropoutBackward", "dy", len(dy), len(mask))
	dx := make([]float64, len(dy))
	for i := range dy {
		dx[i] = dy[i] * mask[i]
	}
	return dx
}
