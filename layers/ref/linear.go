package ref

// LinearForward returns y (N,Out) = x W^T + b for x (N,In), w (Out,In) and b
// (Out), b may be nil (PyTorch Linear):
//
//	y[n,o] = b[o] + sum_i x[n,i] * w[o,i]
//
// It panics when the slice lengths do not match n, in, out.
func LinearForward(n, in, out int, x, w, b []float64) []float64 {
	const op = "LinearForward"
	checkLen(op, "x", len(x), n*in)
	checkLen(op, "w", len(w), out*in)
	if b != nil {
		checkLen(op, "b", len(b), out)
	}
	y := make([]float64, n*out)
	for s := 0; s < n; s++ {
		for o := 0; o < out; o++ {
			sum := 0.0
			if b != nil {
				sum = b[o]
			}
			for i := 0; i < in; i++ {
				sum += x[s*in+i] * w[o*in+i]
			}
			y[s*out+o] = sum
		}
	}
	return y
}

// LinearBackward returns the gradients given dy (N,Out):
//
//	dx[n,i] = sum_o dy[n,o] * w[o,i]      (dx = dy W)
//	dw[o,i] = sum_n dy[n,o] * x[n,i]      (dW = dy^T x)
//	db[o]   = sum_n dy[n,o]
//
// It panics when the slice lengths do not match n, in, out.
func LinearBackward(n, in, out int, x, w, dy []float64) (dx, dw, db []float64) {
	const op = "LinearBackward"
	checkLen(op, "x", len(x), n*in)
	checkLen(op, "w", len(w), out*in)
	checkLen(op, "dy", len(dy), n*out)
	dx = make([]float64, n*in)
	dw = make([]float64, out*in)
	db = make([]float64, out)
	for s := 0; s < n; s++ {
		for o := 0; o < out; o++ {
			g := dy[s*out+o]
			db[o] += g
			for i := 0; i < in; i++ {
				dx[s*in+i] += g * w[o*in+i]
				dw[o*in+i] += g * x[s*in+i]
			}
		}
	}
	return dx, dw, db
}

// ReLUForward returns y[i] = max(x[i], 0).
func ReLUForward(x []float64) []float64 {
	y := make([]float64, len(x))
	for i, v := range x {
		if v > 0 {
			y[i] = v
		}
	}
	return y
}

// ReLUBackward returns dx[i] = dy[i] if x[i] > 0, else 0 (the gradient at 0
// is taken as 0, as PyTorch). It panics when len(dy) != len(x).
func ReLUBackward(x, dy []float64) []float64 {
	checkLen("ReLUBackward", "dy", len(dy), len(x))
	dx := make([]float64, len(x))
	for i, v := range x {
		if v > 0 {
			dx[i] = dy[i]
		}
	}
	return dx
}
