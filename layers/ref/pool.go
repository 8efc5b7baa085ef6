package ref

import (
	"fmt"
	"math"
)

// Pool2DParams describes a 2-D max pooling of input (N,C,H,W) with a KxK
// window moved by Stride, no padding, floor mode (PyTorch
// MaxPool2d(K, Stride)).
type Pool2DParams struct{ N, C, H, W, K, Stride int }

// OutHW returns the output height and width, oh = (H-K)/Stride+1 and
// ow = (W-K)/Stride+1.
func (p Pool2DParams) OutHW() (oh, ow int) {
	return (p.H-p.K)/p.Stride + 1, (p.W-p.K)/p.Stride + 1
}

func (p Pool2DParams) check(op string) {
	if p.N <= 0 || p.C <= 0 || p.K <= 0 || p.Stride <= 0 || p.H < p.K || p.W < p.K {
		panic(fmt.Sprintf("ref: %s: bad params %+v", op, p))
	}
}

// MaxPool2DForward returns y (N,C,OH,OW) and argmax (N,C,OH,OW):
//
//	y[n,c,oy,ox] = max_{i,j < K} x[n,c,oy*S+i, ox*S+j]
//
// argmax holds, for each output, the flat index iy*W+ix of the chosen input
// inside its (n,c) plane. The window is scanned row-major and a later element
// replaces the current one only when strictly greater, so the first maximum
// wins on ties. It panics when len(x) does not match p.
func MaxPool2DForward(p Pool2DParams, x []float64) (y []float64, argmax []int32) {
	const op = "MaxPool2DForward"
	p.check(op)
	checkLen(op, "x", len(x), p.N*p.C*p.H*p.W)
	oh, ow := p.OutHW()
	y = make([]float64, p.N*p.C*oh*ow)
	argmax = make([]int32, len(y))
	for nc := 0; nc < p.N*p.C; nc++ {
		plane := x[nc*p.H*p.W : (nc+1)*p.H*p.W]
		for oy := 0; oy < oh; oy++ {
			for ox := 0; ox < ow; ox++ {
				best, bestIdx := math.Inf(-1), -1
				for i := 0; i < p.K; i++ {
					for j := 0; j < p.K; j++ {
						idx := (oy*p.Stride+i)*p.W + ox*p.Stride + j
						if bestIdx < 0 || plane[idx] > best {
							best, bestIdx = plane[idx], idx
						}
					}
				}
				o := (nc*oh+oy)*ow + ox
				y[o], argmax[o] = best, int32(bestIdx)
			}
		}
	}
	return y, argmax
}

// MaxPool2DBackward returns dx (N,C,H,W) given the argmax of the forward pass
// and dy (N,C,OH,OW):
//
//	dx[n,c,h,w] = sum_{oy,ox: argmax[n,c,oy,ox] = h*W+w} dy[n,c,oy,ox]
//
// Gradients of overlapping windows (e.g. 3x3 stride 2) add up. It panics when
// the slice lengths do not match p or an argmax index is out of its plane.
func MaxPool2DBackward(p Pool2DParams, argmax []int32, dy []float64) []float64 {
	const op = "MaxPool2DBackward"
	p.check(op)
	oh, ow := p.OutHW()
	checkLen(op, "argmax", len(argmax), p.N*p.C*oh*ow)
	checkLen(op, "dy", len(dy), p.N*p.C*oh*ow)
	dx := make([]float64, p.N*p.C*p.H*p.W)
	for nc := 0; nc < p.N*p.C; nc++ {
		for o := 0; o < oh*ow; o++ {
			a := int(argmax[nc*oh*ow+o])
			if a < 0 || a >= p.H*p.W {
				panic(fmt.Sprintf("ref: %s: argmax[%d] = %d outside plane of %d", op, nc*oh*ow+o, a, p.H*p.W))
			}
			dx[nc*p.H*p.W+a] += dy[nc*oh*ow+o]
		}
	}
	return dx
}
