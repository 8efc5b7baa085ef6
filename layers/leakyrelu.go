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

	elementwise
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
	return l.setup("leakyrelu", d, in, maxBatch, false, false)
}

// Forward computes y = x where x > 0, else Slope·x. The mode does not
// matter.
func (l *LeakyReLU) Forward(x *Tensor, _ Mode) *Tensor {
	return l.forward(x, l.batch("leakyrelu", x), gpu.U("slope", float32(l.Slope)))
}

// Backward returns dx = dy where y > 0, else Slope·dy. LeakyReLU has no
// parameters, so needDX false does nothing.
func (l *LeakyReLU) Backward(dy *Tensor, needDX bool) *Tensor {
	n := l.batch("leakyrelu backward", dy)
	if !needDX {
		return nil
	}
	return l.backward(dy, l.dx, n, gpu.U("slope", float32(l.Slope)))
}

// Params is empty.
func (l *LeakyReLU) Params() []*Param { return nil }

// Costs counts two FLOPs per element (a compare and a multiply) and each
// tensor once.
func (l *LeakyReLU) Costs(n int) map[string]Cost {
	return l.costs("leakyrelu", n, 2)
}

// Release frees every buffer; idempotent.
func (l *LeakyReLU) Release() { l.release() }
