package layers

import (
	"github.com/glcnn/glcnn/gpu"
)

// elementwise is what the elementwise activations (ReLU, LeakyReLU) share:
// any per-sample shape in and the same shape out, the output y saved for
// Backward (which reads its sign), dx, and the kernels <op>_fwd and
// <op>_bwd, compiled with 256-wide workgroups and V elements per
// invocation (vec4 when a sample is a multiple of 4). Its zero value is
// ready for setup.
type elementwise struct {
	dev      *gpu.Device
	in       []int
	v        int // elements per invocation: 4 (vec4) when a sample is a multiple of 4
	maxBatch int
	y, dx    *Tensor
	fwd, bwd *gpu.Program
}

// setup frees what a previous Setup allocated and sets up op's layer for
// per-sample shape in and maxBatch samples: y, dx unless noDX (the layer
// writes dx elsewhere) and the kernels <op>_fwd and <op>_bwd; with view
// (the layer before computes this one), nothing is allocated or compiled.
// It returns the output shape, in.
func (e *elementwise) setup(op string, d *gpu.Device, in []int, maxBatch int, view, noDX bool) ([]int, error) {
	e.release()
	e.dev, e.in, e.maxBatch = d, append([]int(nil), in...), maxBatch
	if view {
		return append([]int(nil), in...), nil
	}
	shape := append([]int{maxBatch}, in...)
	var err error
	if e.y, err = NewTensor(d, shape...); err != nil {
		return nil, err
	}
	if !noDX {
		if e.dx, err = NewTensor(d, shape...); err != nil {
			e.release()
			return nil, err
		}
	}
	e.v = 1
	if Numel(in)%4 == 0 {
		e.v = 4 // vec4: a quarter of the invocations and loads
	}
	k := programs{d: d, op: op}
	e.fwd = k.get(op+"_fwd", gpu.D("WG", 256), gpu.D("V", e.v))
	e.bwd = k.get(op+"_bwd", gpu.D("WG", 256), gpu.D("V", e.v))
	if k.err != nil {
		e.release()
		return nil, k.err
	}
	return append([]int(nil), in...), nil
}

// batch returns t's batch, panicking (naming what) when t does not have
// the shape the layer was set up for.
func (e *elementwise) batch(what string, t *Tensor) int {
	return batchOf(what, t, e.in, e.maxBatch)
}

// forward runs the forward kernel on the n samples of x into y, with
// uniform n (its invocations) and extra, and returns y.
func (e *elementwise) forward(x *Tensor, n int, extra ...gpu.Uniform) *Tensor {
	k := n * Numel(e.in)
	e.dev.Dispatch(e.fwd, gpu.Grid1(k/e.v), gpu.Bindings{0: x.Buf, 1: e.y.Buf},
		append([]gpu.Uniform{gpu.U("n", k/e.v)}, extra...)...)
	return e.y.View(append([]int{n}, e.in...)...)
}

// backward runs the backward kernel on y and the n samples of dy into
// dst, with uniform n (its invocations) and extra, and returns dst.
func (e *elementwise) backward(dy, dst *Tensor, n int, extra ...gpu.Uniform) *Tensor {
	k := n * Numel(e.in)
	e.dev.Dispatch(e.bwd, gpu.Grid1(k/e.v), gpu.Bindings{0: e.y.Buf, 1: dy.Buf, 2: dst.Buf},
		append([]gpu.Uniform{gpu.U("n", k/e.v)}, extra...)...)
	return dst.View(append([]int{n}, e.in...)...)
}

// costs are the costs of op's kernels at batch n: flops FLOPs per element
// and each tensor once (x read and y written forward; y and dy read and
// dx written backward).
func (e *elementwise) costs(op string, n int, flops int64) map[string]Cost {
	k := int64(n * Numel(e.in))
	return map[string]Cost{
		op + "_fwd": {FLOPs: flops * k, Bytes: 4 * 2 * k},
		op + "_bwd": {FLOPs: flops * k, Bytes: 4 * 3 * k},
	}
}

// release frees y and dx; idempotent.
func (e *elementwise) release() {
	releaseAll(e.y, e.dx)
	e.y, e.dx = nil, nil
}
