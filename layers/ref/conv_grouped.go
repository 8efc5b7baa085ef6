package ref

import "fmt"

// GroupedConv2DParams describes a grouped 2-D convolution (PyTorch Conv2d
// with groups=Groups, dilation=1): the shapes of Conv2DParams, with the C
// input and K output channels split into Groups equal groups; output
// channel k sees only the C/Groups input channels of its group, so the
// weight is (K, C/Groups, KH, KW). Groups = C = K is a depthwise
// convolution.
type GroupedConv2DParams struct {
	Conv2DParams
	Groups int
}

func (p GroupedConv2DParams) check(op string) {
	p.Conv2DParams.check(op)
	if p.Groups <= 0 || p.C%p.Groups != 0 || p.K%p.Groups != 0 {
		panic(fmt.Sprintf("ref: %s: %d groups do not divide %d input and %d output channels", op, p.Groups, p.C, p.K))
	}
}

// GroupedConv2DForward returns y (N,K,OH,OW):
//
//	y[n,k,oy,ox] = b[k] + sum_{c<Cg,i,j} x[n, g*Cg+c, oy*S-P+i, ox*S-P+j] * w[k,c,i,j]
//
// where Cg = C/Groups, g = k/(K/Groups) is output channel k's group, and
// input positions outside the image read as zero. b may be nil (no bias).
// It panics when the groups do not divide the channels or the slice
// lengths do not match p.
func GroupedConv2DForward(p GroupedConv2DParams, x, w, b []float64) []float64 {
	const op = "GroupedConv2DForward"
	p.check(op)
	cg, kg := p.C/p.Groups, p.K/p.Groups
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

// GroupedConv2DBackward returns the gradients of a loss L with respect to
// x, w and the bias, given dy = dL/dy (N,K,OH,OW), with Cg, g as in
// [GroupedConv2DForward]:
//
//	dx[n,g*Cg+c,iy,ix] = sum_{k in group g, i,j: iy=oy*S-P+i, ix=ox*S-P+j} w[k,c,i,j] * dy[n,k,oy,ox]
//	dw[k,c,i,j]        = sum_{n,oy,ox} x[n, g*Cg+c, oy*S-P+i, ox*S-P+j] * dy[n,k,oy,ox]
//	db[k]              = sum_{n,oy,ox} dy[n,k,oy,ox]
//
// db is returned whether or not the forward pass used a bias. It panics
// when the groups do not divide the channels or the slice lengths do not
// match p.
func GroupedConv2DBackward(p GroupedConv2DParams, x, w, dy []float64) (dx, dw, db []float64) {
	const op = "GroupedConv2DBackward"
	p.check(op)
	cg, kg := p.C/p.Groups, p.K/p.Groups
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
