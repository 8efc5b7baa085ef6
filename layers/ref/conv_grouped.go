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
	return convForward(op, p.Conv2DParams, p.Groups, x, w, b)
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
	return convBackward(op, p.Conv2DParams, p.Groups, x, w, dy)
}
