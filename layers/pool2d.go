package layers

import (
	"fmt"

	"github.com/glcnn/glcnn/gpu"
)

// pool2D is what the windowed 2-D pools (MaxPool2D, AvgPool2D) share: the
// geometry of a KxK window moved by Stride over (C,H,W) inputs, no
// padding, floor mode; the output y and input gradient dx; and the checks
// of Setup, Forward and Backward. Each pool keeps its own kernels and any
// buffer of its own (max pooling's argmax).
type pool2D struct {
	op              string // the op's name, for errors and panics
	d               *gpu.Device
	k, stride       int
	c, h, w, oh, ow int
	maxBatch, n     int
	y, dx           *Tensor
}

// newPool2D returns the shared part of a pool op with a k x k window and
// the given stride, made by constructor name. It panics unless k and
// stride are positive.
func newPool2D(op, name string, k, stride int) pool2D {
	if k <= 0 || stride <= 0 {
		panic(fmt.Sprintf("layers: %s(%d, %d): kernel and stride must be positive", name, k, stride))
	}
	return pool2D{op: op, k: k, stride: stride}
}

// setup is the first part of a pool's Setup: it checks that in is
// (C,H,W) and that a k x k window fits it, then calls release (the
// layer's Release, which frees what a previous Setup allocated), records
// the geometry of the window moved by stride, and allocates y and dx for
// maxBatch samples, calling release again on an error. It returns the
// output shape (C,OH,OW), OH = (H-K)/Stride+1, OW = (W-K)/Stride+1.
func (p *pool2D) setup(d *gpu.Device, in []int, maxBatch, k, stride int, release func()) ([]int, error) {
	if len(in) != 3 {
		return nil, fmt.Errorf("layers: %s: input %v is not (C,H,W)", p.op, in)
	}
	if in[1] < k || in[2] < k {
		return nil, fmt.Errorf("layers: %s: %dx%d window larger than the %dx%d input", p.op, k, k, in[1], in[2])
	}
	release()
	p.d, p.maxBatch, p.k, p.stride = d, maxBatch, k, stride
	p.c, p.h, p.w = in[0], in[1], in[2]
	p.oh, p.ow = (p.h-k)/stride+1, (p.w-k)/stride+1
	var err error
	if p.y, err = NewTensor(d, maxBatch, p.c, p.oh, p.ow); err != nil {
		return nil, err
	}
	if p.dx, err = NewTensor(d, maxBatch, p.c, p.h, p.w); err != nil {
		release()
		return nil, err
	}
	return []int{p.c, p.oh, p.ow}, nil
}

// shapeUniforms are the uniforms of every pooling kernel, n its
// invocations.
func (p *pool2D) shapeUniforms(n int) []gpu.Uniform {
	return []gpu.Uniform{gpu.U("n", n), gpu.U("H", p.h), gpu.U("W", p.w), gpu.U("OH", p.oh),
		gpu.U("OW", p.ow), gpu.U("K", p.k), gpu.U("S", p.stride)}
}

// forwardBatch records x's batch for Backward (panicking on a shape the
// layer was not set up for) and returns the number of outputs.
func (p *pool2D) forwardBatch(x *Tensor) (outs int) {
	p.n = batchOf(p.op, x, []int{p.c, p.h, p.w}, p.maxBatch)
	return p.n * p.c * p.oh * p.ow
}

// checkDY panics unless dy has the last forward's output size, and returns
// the number of inputs.
func (p *pool2D) checkDY(dy *Tensor) (ins int) {
	if dy.Len() != p.n*p.c*p.oh*p.ow {
		panic(fmt.Sprintf("layers: %s: dy %v after a forward of batch %d", p.op, dy.Shape, p.n))
	}
	return p.n * p.c * p.h * p.w
}

// yView and dxView are y and dx at the last forward's batch.
func (p *pool2D) yView() *Tensor  { return p.y.View(p.n, p.c, p.oh, p.ow) }
func (p *pool2D) dxView() *Tensor { return p.dx.View(p.n, p.c, p.h, p.w) }

// sizes are what the pools' Costs count at batch n: inputs, outputs, the
// window's K² elements, and win² the windows an input lies in at most,
// win = ceil(K/S).
func (p *pool2D) sizes(n int) (in, out, kk, win int64) {
	return int64(n * p.c * p.h * p.w), int64(n * p.c * p.oh * p.ow),
		int64(p.k * p.k), int64((p.k + p.stride - 1) / p.stride)
}

// release frees y and dx; idempotent.
func (p *pool2D) release() {
	releaseAll(p.y, p.dx)
	p.y, p.dx = nil, nil
}
