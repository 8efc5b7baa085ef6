package ref

// AvgPool2DForward returns y (N,C,OH,OW), the mean of each KxK window of x
// (N,C,H,W) moved by p.Stride, no padding, floor mode (PyTorch
// AvgPool2d(K, Stride)):
//
//	y[n,c,oy,ox] = 1/K² · sum_{i,j < K} x[n,c, oy*S+i, ox*S+j]
//
// It panics when len(x) does not match p.
func AvgPool2DForward(p Pool2DParams, x []float64) []float64 {
	const op = "AvgPool2DForward"
	p.check(op)
	checkLen(op, "x", len(x), p.N*p.C*p.H*p.W)
	oh, ow := p.OutHW()
	kk := float64(p.K * p.K)
	y := make([]float64, p.N*p.C*oh*ow)
	for nc := 0; nc < p.N*p.C; nc++ {
		for oy := 0; oy < oh; oy++ {
			for ox := 0; ox < ow; ox++ {
				s := 0.0
				for i := 0; i < p.K; i++ {
					for j := 0; j < p.K; j++ {
						s += x[(nc*p.H+oy*p.Stride+i)*p.W+ox*p.Stride+j]
					}
				}
				y[(nc*oh+oy)*ow+ox] = s / kk
			}
		}
	}
	return y
}

// AvgPool2DBackward returns dx (N,C,H,W) given dy (N,C,OH,OW): every
// window spreads its gradient evenly over its K² inputs,
//
//	dx[n,c,h,w] = 1/K² · sum_{oy,ox: window (oy,ox) contains (h,w)} dy[n,c,oy,ox]
//
// so overlapping windows (K > Stride) add up and inputs no window covers
// (the floor mode's dropped border, the gaps when K < Stride) get 0. It
// panics when len(dy) does not match p.
func AvgPool2DBackward(p Pool2DParams, dy []float64) []float64 {
	const op = "AvgPool2DBackward"
	p.check(op)
	oh, ow := p.OutHW()
	checkLen(op, "dy", len(dy), p.N*p.C*oh*ow)
	kk := float64(p.K * p.K)
	dx := make([]float64, p.N*p.C*p.H*p.W)
	for nc := 0; nc < p.N*p.C; nc++ {
		for oy := 0; oy < oh; oy++ {
			for ox := 0; ox < ow; ox++ {
				g := dy[(nc*oh+oy)*ow+ox] / kk
				for i := 0; i < p.K; i++ {
					for j := 0; j < p.K; j++ {
						dx[(nc*p.H+oy*p.Stride+i)*p.W+ox*p.Stride+j] += g
					}
				}
			}
		}
	}
	return dx
}
