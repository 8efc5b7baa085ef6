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

	dev      *gpu.Device
	in       []int
	v        int // elements per invocation: 4 (vec4) when a sample is a multiple of 4
	n        int
	y, dx    *Tensor
	fwd, bwd *gpu.Program
	view     bool // fused into the layer before: no buffers, no kernels
}

var _ Layer = (*ReLU)(nil)

// NewReLU returns a ReLU with its own dx buffer.
func NewReLU() *ReLU { return &ReLU{} }

// Kind is "relu".
func (l *ReLU) Kind() string { return "relu" }

// Setup allocates for per-sample shape in (any rank); the output has the
// same shape. A fused ReLU allocates and compiles nothing.
func (l *ReLU) Setup(d *gpu.Device, in []int, maxBatch int) ([]int, error) {
	l.Release()
	l.dev, l.in, l.n = d, append([]int(nil), in...), maxBatch
	if l.view {
		return append([]int(nil), in...), nil
	}
	shape := append([]int{maxBatch}, in...)
	var err error
	if l.y, err = NewTensor(d, shape...); err != nil {
		return nil, err
	}
	if !l.InPlace {
		if l.dx, err = NewTensor(d, shape...); err != nil {
			l.Release()
			return nil, err
		}
	}
	l.v = 1
	if Numel(in)%4 == 0 {
		l.v = 4 // vec4: a quarter of the invocations and loads
	}
	k := programs{d: d, op: "relu"}
	l.fwd = k.get("relu_fwd", gpu.D("WG", 256), gpu.D("V", l.v))
	l.bwd = k.get("relu_bwd", gpu.D("WG", 256), gpu.D("V", l.v))
	if k.err != nil {
		l.Release()
		return nil, k.err
	}
	return append([]int(nil), in...), nil
}

// Forward computes y = max(x, 0); a fused ReLU returns x, which the layer
// before has already clamped.
func (l *ReLU) Forward(x *Tensor, m Mode) *Tensor {
	n := batchOf("relu", x, l.in, l.n)
	if l.view {
		return x
	}
	k := n * Numel(l.in)
	l.dev.Dispatch(l.fwd, gpu.Grid1(k/l.v), gpu.Bindings{0: x.Buf, 1: l.y.Buf}, gpu.U("n", k/l.v))
	return l.y.View(append([]int{n}, l.in...)...)
}

// Backward returns dx = dy where y > 0, else 0 (in dy's buffer when
// InPlace). ReLU has no parameters, so needDX false does nothing. A fused
// ReLU returns dy: the layer before masks it.
func (l *ReLU) Backward(dy *Tensor, needDX bool) *Tensor {
	n := batchOf("relu backward", dy, l.in, l.n)
	if !needDX {
		return nil
	}
	if l.view {
		return dy
	}
	k := n * Numel(l.in)
	dst := l.dx
	if l.InPlace {
		dst = dy
	}
	l.dev.Dispatch(l.bwd, gpu.Grid1(k/l.v), gpu.Bindings{0: l.y.Buf, 1: dy.Buf, 2: dst.Buf}, gpu.U("n", k/l.v))
	return dst.View(append([]int{n}, l.in...)...)
}

// Params is empty.
func (l *ReLU) Params() []*Param { return nil }

// Costs counts one FLOP per element (a compare) and each tensor once; a
// fused ReLU has no kernel (the layer before counts its work).
func (l *ReLU) Costs(n int) map[string]Cost {
	if l.view {
		return map[string]Cost{}
	}
	k := int64(n * Numel(l.in))
	return map[string]Cost{
		"relu_fwd": {FLOPs: k, Bytes: 4 * 2 * k},
		"relu_bwd": {FLOPs: k, Bytes: 4 * 3 * k},
	}
}

// Release frees every buffer; idempotent.
func (l *ReLU) Release() {
	releaseAll(l.y, l.dx)
	l.y, l.dx = nil, nil
}
