package ref

// LeakyReLUForward returns, for slope >= 0 (PyTorch LeakyReLU(slope)):
//
//	y[i] = x[i]          if x[i] > 0
//	       slope * x[i]  otherwise
func LeakyReLUForward(x []float64, slope float64) []float64 {
	y := make([]float64, len(x))
	for i, v := range x {
		if v > 0 {
			y[i] = v
		} else {
			y[i] = slope * v
		}
	}
	return y
}

// LeakyReLUBackward returns, as PyTorch's leaky_relu_backward:
//
//	dx[i] = dy[i]          if x[i] > 0
//	        slope * dy[i]  otherwise (the gradient at 0 is slope)
//
// It panics when len(dy) != len(x).
func LeakyReLUBackward(x, dy []float64, slope float64) []float64 {
	checkLen("LeakyReLUBackward", "dy", len(dy), len(x))
	dx := make([]float64, len(x))
	for i, v := range x {
		if v > 0 {
			dx[i] = dy[i]
		} else {
			dx[i] = slope * dy[i]
		}
	}
	return dx
}
