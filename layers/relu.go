package layers

import (
	"github.com/glcnn/glcnn/gpu"
)

// ReLU is y = max(x, 0), elementwise. Backward uses the saved output
// (y > 0 exactly where x > 0). A ReLU fused into the layer before it
// (BatchNorm.FuseNext) is a view: that layer applies it.
type ReLU struct {
	// InPlace makes Backward write dx over dy's buffer and return it,
	// saving a buffer; the caller's dy is then overwritten. Set it before
	// Setup.
	InPlace bool

	elementwise
	view bool // fused into the layer before: no buffers, no kernels
}

var _ Layer = (*ReLU)(nil)

// NewReLU returns a ReLU with its own dx buffer.
func NewReLU() *ReLU { return &ReLU{} }

// Kind is "relu".
func (l *ReLU) Kind() string { return "relu" }

// Setup allocates for per-sample shape in (any rank); the output has the
// same shape. A fused ReLU allocates and compiles nothing.
func (l *ReLU) Setup(d *gpu.Device, in []int, maxBatch int) ([]int, error) {
	return l.setup("relu", d, in, maxBatch, l.view, l.InPlace)
}

// Forward computes y = max(x, 0); a fused ReLU returns x, which the layer
// before has already clamped.
func (l *ReLU) Forward(x *Tensor, m Mode) *Tensor {
	n := l.batch("relu", x)
	if l.view {
		return x
	}
	return l.forward(x, n)
}

// Backward returns dx = dy where y > 0, else 0 (in dy's buffer when
// InPlace). ReLU has no parameters, so needDX false does nothing. A fused
// ReLU returns dy: the layer before masks it.
func (l *ReLU) Backward(dy *Tensor, needDX bool) *Tensor {
	n := l.batch("relu backward", dy)
	if !needDX {
		return nil
	}
	if l.view {
		return dy
	}
	dst := l.dx
	if l.InPlace {
		dst = dy
	}
	return l.backward(dy, dst, n)
}

// Params is empty.
func (l *ReLU) Params() []*Param { return nil }

// Costs counts one FLOP per element (a compare) and each tensor once; a
// fused ReLU has no kernel (the layer before counts its work).
func (l *ReLU) Costs(n int) map[string]Cost {
	if l.view {
		return map[string]Cost{}
	}
	return l.costs("relu", n, 1)
}

// Release frees every buffer; idempotent.
func (l *ReLU) Release() { l.release() }
