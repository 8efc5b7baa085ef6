package layers

import (
	"github.com/glcnn/glcnn/gpu"
)

// AvgPool2D is PyTorch's AvgPool2d(K, Stride): the mean of a KxK window
// moved by Stride, no padding, floor mode, over (C,H,W) inputs. Backward
// spreads each output gradient evenly over its window; overlapping windows
// (K > Stride) add up, computed as a gather per input element (no atomics:
// the same bits on every run).
type AvgPool2D struct {
	K, Stride int

	pool2D
	fwd, bwd *gpu.Program
}

var _ Layer = (*AvgPool2D)(nil)

// NewAvgPool2D returns an average-pooling layer with a k x k window and the
// given stride. It panics unless k and stride are positive.
func NewAvgPool2D(k, stride int) *AvgPool2D {
	return &AvgPool2D{K: k, Stride: stride, pool2D: newPool2D("avgpool", "NewAvgPool2D", k, stride)}
}

// Kind returns "avgpool".
func (l *AvgPool2D) Kind() string { return "avgpool" }

// Setup allocates for inputs (C,H,W) and returns (C,OH,OW) with
// OH = (H-K)/Stride+1, OW = (W-K)/Stride+1.
func (l *AvgPool2D) Setup(d *gpu.Device, in []int, maxBatch int) ([]int, error) {
	out, err := l.setup(d, in, maxBatch, l.K, l.Stride, l.Release)
	if err != nil {
		return nil, err
	}
	k := programs{d: d, op: "avgpool"}
	l.fwd = k.get("avgpool2d_fwd")
	l.bwd = k.get("avgpool2d_bwd")
	if k.err != nil {
		l.Release()
		return nil, k.err
	}
	return out, nil
}

// Forward pools x (N,C,H,W) into (N,C,OH,OW). The mode does not matter.
func (l *AvgPool2D) Forward(x *Tensor, _ Mode) *Tensor {
	outs := l.forwardBatch(x)
	l.d.Dispatch(l.fwd, gpu.Grid1(outs), gpu.Bindings{0: x.Buf, 1: l.y.Buf}, l.shapeUniforms(outs)...)
	return l.yView()
}

// Backward returns dx (N,C,H,W): each input gets the sum of dy/K² over the
// windows containing it (0 for an input in none). The layer has no
// parameters, so needDX false makes it a no-op.
func (l *AvgPool2D) Backward(dy *Tensor, needDX bool) *Tensor {
	if !needDX {
		return nil
	}
	ins := l.checkDY(dy)
	l.d.Dispatch(l.bwd, gpu.Grid1(ins), gpu.Bindings{0: dy.Buf, 1: l.dx.Buf}, l.shapeUniforms(ins)...)
	return l.dxView()
}

// Params returns nil: pooling has no parameters.
func (l *AvgPool2D) Params() []*Param { return nil }

// Costs counts an addition per window element and a division per output
// (forward), and an addition per window containing an input — at most
// ceil(K/S)² — and a division per input (backward).
func (l *AvgPool2D) Costs(n int) map[string]Cost {
	in, out, kk, win := l.sizes(n)
	return map[string]Cost{
		"avgpool2d_fwd": {FLOPs: out * (kk + 1), Bytes: 4 * (in + out)},
		"avgpool2d_bwd": {FLOPs: in * (win*win + 1), Bytes: 4 * (out + in)},
	}
}

// Release frees the layer's buffers; idempotent.
func (l *AvgPool2D) Release() { l.release() }
