package ref

import "fmt"

// Conv2DParams describes a 2-D convolution: input (N,C,H,W), weight
// (K,C,KH,KW), output (N,K,OH,OW), symmetric zero padding Pad on every side
// and the same Stride along both axes (PyTorch Conv2d with groups=1,
// dilation=1).
type Conv2DParams struct{ N, C, H, W, K, KH, KW, Stride, Pad int }

// OutHW returns the output height and width, oh = (H+2Pad-KH)/Stride+1 and
// ow = (W+2Pad-KW)/Stride+1 (floor division, as PyTorch).
func (p Conv2DParams) OutHW() (oh, ow int) {
	return (p.H+2*p.Pad-p.KH)/p.Stride + 1, (p.W+2*p.Pad-p.KW)/p.Stride + 1
}

func (p Conv2DParams) check(op string) {
	if p.N <= 0 || p.C <= 0 || p.H <= 0 || p.W <= 0 || p.K <= 0 || p.KH <= 0 || p.KW <= 0 ||
		p.Stride <= 0 || p.Pad < 0 || p.H+2*p.Pad < p.KH || p.W+2*p.Pad < p.KW {
		panic(fmt.Sprintf("ref: %s: bad params %+v", op, p))
	}
}

// Conv2DForward returns y (N,K,OH,OW):
//
//	y[n,k,oy,ox] = b[k] + sum_{c,i,j} x[n,c,oy*S-P+i, ox*S-P+j] * w[k,c,i,j]
//
// where input positions outside the image read as zero. b may be nil (no
// bias). It panics when the slice lengths do not match p.
func Conv2DForward(p Conv2DParams, x, w, b []float64) []float64 {
	const op = "Conv2DForward"
	p.check(op)
	return convForward(op, p, 1, x, w, b)
}

// convForward is Conv2DForward and, with groups > 1, GroupedConv2DForward
// (p and groups already checked): output channel k reads the Cg = C/groups
// input channels of its group, from c0 = k/(K/groups)*Cg.
func convForward(op string, p Conv2DParams, groups int, x, w, b []float64) []float64 {
	cg, kg := p.C/groups, p.K/groups
	checkLen(op, "x", len(x), p.N*p.C*p.H*p.W)
	checkLen(op, "w", len(w), p.K*cg*p.KH*p.KW)
	if b != nil {
		checkLen(op, "b", len(b), p.K)
	}
	oh, ow := p.OutHW()
	y := make([]float64, p.N*p.K*oh*ow)
	for n := 0; n < p.N; n++ {
		for k := 0; k < p.K; k++ {
			c0 := k / kg * cg // the group's first input channel
			for oy := 0; oy < oh; oy++ {
				for ox := 0; ox < ow; ox++ {
					sum := 0.0
					if b != nil {
						sum = b[k]
					}
					for c := 0; c < cg; c++ {
						for i := 0; i < p.KH; i++ {
							iy := oy*p.Stride - p.Pad + i
							if iy < 0 || iy >= p.H {
								continue
							}
							for j := 0; j < p.KW; j++ {
								ix := ox*p.Stride - p.Pad + j
								if ix < 0 || ix >= p.W {
									continue
								}
								sum += x[((n*p.C+c0+c)*p.H+iy)*p.W+ix] * w[((k*cg+c)*p.KH+i)*p.KW+j]
							}
						}
					}
					y[((n*p.K+k)*oh+oy)*ow+ox] = sum
				}
			}
		}
	}
	return y
}

// Conv2DBackward returns the gradients of a loss L with respect to x, w and
// the bias, given dy = dL/dy (N,K,OH,OW):
//
//	dx[n,c,iy,ix] = sum_{k,i,j: iy=oy*S-P+i, ix=ox*S-P+j} w[k,c,i,j] * dy[n,k,oy,ox]
//	dw[k,c,i,j]   = sum_{n,oy,ox} x[n,c,oy*S-P+i, ox*S-P+j] * dy[n,k,oy,ox]
//	db[k]         = sum_{n,oy,ox} dy[n,k,oy,ox]
//
// db is returned whether or not the forward pass used a bias. It panics when
// the slice lengths do not match p.
func Conv2DBackward(p Conv2DParams, x, w, dy []float64) (dx, dw, db []float64) {
	const op = "Conv2DBackward"
	p.check(op)
	return convBackward(op, p, 1, x, w, dy)
}

// convBackward is Conv2DBackward and, with groups > 1,
// GroupedConv2DBackward (p and groups already checked), the groups as in
// convForward.
func convBackward(op string, p Conv2DParams, groups int, x, w, dy []float64) (dx, dw, db []float64) {
	cg, kg := p.C/groups, p.K/groups
	oh, ow := p.OutHW()
	checkLen(op, "x", len(x), p.N*p.C*p.H*p.W)
	checkLen(op, "w", len(w), p.K*cg*p.KH*p.KW)
	checkLen(op, "dy", len(dy), p.N*p.K*oh*ow)
	dx = make([]float64, len(x))
	dw = make([]float64, len(w))
	db = make([]float64, p.K)
	for n := 0; n < p.N; n++ {
		for k := 0; k < p.K; k++ {
			c0 := k / kg * cg
			for oy := 0; oy < oh; oy++ {
				for ox := 0; ox < ow; ox++ {
					g := dy[((n*p.K+k)*oh+oy)*ow+ox]
					db[k] += g
					for c := 0; c < cg; c++ {
						for i := 0; i < p.KH; i++ {
							iy := oy*p.Stride - p.Pad + i
							if iy < 0 || iy >= p.H {
								continue
							}
							for j := 0; j < p.KW; j++ {
								ix := ox*p.Stride - p.Pad + j
								if ix < 0 || ix >= p.W {
									continue
								}
								xi := ((n*p.C+c0+c)*p.H+iy)*p.W + ix
								wi := ((k*cg+c)*p.KH+i)*p.KW + j
								dx[xi] += w[wi] * g
								dw[wi] += x[xi] * g
							}
						}
					}
				}
			}
		}
	}
	return dx, dw, db
}
