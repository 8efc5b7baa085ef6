package layers

import (
	"fmt"
	"math"

	"github.com/glcnn/glcnn/gpu"
)

// LeakyReLU is PyTorch's LeakyReLU(Slope): y = x where x > 0, else
// Slope·x, elementwise. Backward uses the saved output: with Slope >= 0,
// y > 0 exactly where x > 0, so dx = dy there and Slope·dy elsewhere (at
// x = 0 too), as PyTorch's leaky_relu_backward.
type LeakyReLU struct {
	Slope float64

	dev      *gpu.Device
	in       []int
	v        int // elements per invocation: 4 (vec4) when a sample is a multiple of 4
	n        int
	y, dx    *Tensor
	fwd, bwd *gpu.Program
}

var _ Layer = (*LeakyReLU)(nil)

// NewLeakyReLU returns a LeakyReLU with negative slope slope. It panics
// unless slope is finite and at least 0 (the backward reads the sign of
// the output, which is the input's only then).
func NewLeakyReLU(slope float64) *LeakyReLU {
	if !(slope >= 0) || math.IsInf(slope, 0) {
		panic(fmt.Sprintf("layers: NewLeakyReLU(%v): the slope must be finite and at least 0", slope))
	}
	return &LeakyReLU{Slope: slope}
}

// Kind is "leakyrelu".
func (l *LeakyReLU) Kind() string { return "leakyrelu" }

// Setup allocates for per-sample shape in (any rank); the output has the
// same shape.
func (l *LeakyReLU) Setup(d *gpu.Device, in []int, maxBatch int) ([]int, error) {
	l.Release()
	l.dev, l.in, l.n = d, append([]int(nil), in...), maxBatch
	shape := append([]int{maxBatch}, in...)
	var err error
	if l.y, err = NewTensor(d, shape...); err != nil {
		return nil, err
	}
	if l.dx, err = NewTensor(d, shape...); err != nil {
		l.Release()
		return nil, err
	}
	l.v = 1
	if Numel(in)%4 == 0 {
		l.v = 4 // vec4: a quarter of the invocations and loads
	}
	k := programs{d: d, op: "leakyrelu"}
	l.fwd = k.get("leakyrelu_fwd", gpu.D("WG", 256), gpu.D("V", l.v))
	l.bwd = k.get("leakyrelu_bwd", gpu.D("WG", 256), gpu.D("V", l.v))
	if k.err != nil {
		l.Release()
		return nil, k.err
	}
	return append([]int(nil), in...), nil
}

// Forward computes y = x where x > 0, else Slope·x. The mode does not
// matter.
func (l *LeakyReLU) Forward(x *Tensor, _ Mode) *Tensor {
	n := batchOf("leakyrelu", x, l.in, l.n)
	k := n * Numel(l.in)
	l.dev.Dispatch(l.fwd, gpu.Grid1(k/l.v), gpu.Bindings{0: x.Buf, 1: l.y.Buf},
		gpu.U("n", k/l.v), gpu.U("slope", float32(l.Slope)))
	return l.y.View(append([]int{n}, l.in...)...)
}

// Backward returns dx = dy where y > 0, else Slope·dy. LeakyReLU has no
// parameters, so needDX false does nothing.
func (l *LeakyReLU) Backward(dy *Tensor, needDX bool) *Tensor {
	n := batchOf("leakyrelu backward", dy, l.in, l.n)
	if !needDX {
		return nil
	}
	k := n * Numel(l.in)
	l.dev.Dispatch(l.bwd, gpu.Grid1(k/l.v), gpu.Bindings{0: l.y.Buf, 1: dy.Buf, 2: l.dx.Buf},
		gpu.U("n", k/l.v), gpu.U("slope", float32(l.Slope)))
	return l.dx.View(append([]int{n}, l.in...)...)
}

// Params is empty.
func (l *LeakyReLU) Params() []*Param { return nil }

// Costs counts two FLOPs per element (a compare and a multiply) and each
// tensor once.
func (l *LeakyReLU) Costs(n int) map[string]Cost {
	k := int64(n * Numel(l.in))
	return map[string]Cost{
		"leakyrelu_fwd": {FLOPs: 2 * k, Bytes: 4 * 2 * k},
		"leakyrelu_bwd": {FLOPs: 2 * k, Bytes: 4 * 3 * k},
	}
}

// Release frees every buffer; idempotent.
func (l *LeakyReLU) Release() {
	releaseAll(l.y, l.dx)
	l.y, l.dx = nil, nil
}
