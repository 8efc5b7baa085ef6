package ref

import "fmt"

// GlobalAvgPool2DForward returns y (N,C) for x (N,C,H,W), the mean of each
// plane (PyTorch AdaptiveAvgPool2d(1), whose output (N,C,1,1) holds the same
// values):
//
//	y[n,c] = (sum_{h<H, w<W} x[n,c,h,w]) / (H*W)
//
// It panics when a size is not positive or len(x) != n*c*h*w.
func GlobalAvgPool2DForward(n, c, h, w int, x []float64) []float64 {
	const op = "GlobalAvgPool2DForward"
	checkGAP(op, n, c, h, w)
	checkLen(op, "x", len(x), n*c*h*w)
	hw := h * w
	y := make([]float64, n*c)
	for p := range y {
		s := 0.0
		for i := 0; i < hw; i++ {
			s += x[p*hw+i]
		}
		y[p] = s / float64(hw)
	}
	return y
}

// GlobalAvgPool2DBackward returns dx (N,C,H,W) for dy (N,C), each output's
// gradient spread evenly over its plane:
//
//	dx[n,c,h,w] = dy[n,c] / (H*W)
//
// It panics when a size is not positive or len(dy) != n*c.
func GlobalAvgPool2DBackward(n, c, h, w int, dy []float64) []float64 {
	const op = "GlobalAvgPool2DBackward"
	checkGAP(op, n, c, h, w)
	checkLen(op, "dy", len(dy), n*c)
	hw := h * w
	dx := make([]float64, n*c*hw)
	for i := range dx {
		dx[i] = dy[i/hw] / float64(hw)
	}
	return dx
}

func checkGAP(op string, n, c, h, w int) {
	if n <= 0 || c <= 0 || h <= 0 || w <= 0 {
		panic(fmt.Sprintf("ref: %s: bad shape n=%d c=%d h=%d w=%d", op, n, c, h, w))
	}
}
