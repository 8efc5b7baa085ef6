package layers

import (
	"fmt"

	"github.com/glcnn/glcnn/gpu"
)

// AvgPool2D is PyTorch's AvgPool2d(K, Stride): the mean of a KxK window
// moved by Stride, no padding, floor mode, over (C,H,W) inputs. Backward
// spreads each output gradient evenly over its window; overlapping windows
// (K > Stride) add up, computed as a gather per input element (no atomics:
// the same bits on every run).
type AvgPool2D struct {
	K, Stride int

	d               *gpu.Device
	c, h, w, oh, ow int
	maxBatch, n     int
	y, dx           *Tensor
	fwd, bwd        *gpu.Program
}

var _ Layer = (*AvgPool2D)(nil)

// NewAvgPool2D returns an average-pooling layer with a k x k window and the
// given stride. It panics unless k and stride are positive.
func NewAvgPool2D(k, stride int) *AvgPool2D {
	if k <= 0 || stride <= 0 {
		panic(fmt.Sprintf("layers: NewAvgPool2D(%d, %d): kernel and stride must be positive", k, stride))
	}
	return &AvgPool2D{K: k, Stride: stride}
}

// Kind returns "avgpool".
func (l *AvgPool2D) Kind() string { return "avgpool" }

// Setup allocates for inputs (C,H,W) and returns (C,OH,OW) with
// OH = (H-K)/Stride+1, OW = (W-K)/Stride+1.
func (l *AvgPool2D) Setup(d *gpu.Device, in []int, maxBatch int) ([]int, error) {
	if len(in) != 3 {
		return nil, fmt.Errorf("layers: avgpool: input %v is not (C,H,W)", in)
	}
	if in[1] < l.K || in[2] < l.K {
		return nil, fmt.Errorf("layers: avgpool: %dx%d window larger than the %dx%d input", l.K, l.K, in[1], in[2])
	}
	l.Release()
	l.d, l.maxBatch = d, maxBatch
	l.c, l.h, l.w = in[0], in[1], in[2]
	l.oh, l.ow = (l.h-l.K)/l.Stride+1, (l.w-l.K)/l.Stride+1
	var err error
	if l.y, err = NewTensor(d, maxBatch, l.c, l.oh, l.ow); err != nil {
		return nil, err
	}
	if l.dx, err = NewTensor(d, maxBatch, l.c, l.h, l.w); err != nil {
		l.Release()
		return nil, err
	}
	k := programs{d: d, op: "avgpool"}
	l.fwd = k.get("avgpool2d_fwd")
	l.bwd = k.get("avgpool2d_bwd")
	if k.err != nil {
		l.Release()
		return nil, k.err
	}
	return []int{l.c, l.oh, l.ow}, nil
}

func (l *AvgPool2D) shapeUniforms(n int) []gpu.Uniform {
	return []gpu.Uniform{gpu.U("n", n), gpu.U("H", l.h), gpu.U("W", l.w), gpu.U("OH", l.oh),
		gpu.U("OW", l.ow), gpu.U("K", l.K), gpu.U("S", l.Stride)}
}

// Forward pools x (N,C,H,W) into (N,C,OH,OW). The mode does not matter.
func (l *AvgPool2D) Forward(x *Tensor, _ Mode) *Tensor {
	l.n = batchOf("avgpool", x, []int{l.c, l.h, l.w}, l.maxBatch)
	outs := l.n * l.c * l.oh * l.ow
	l.d.Dispatch(l.fwd, gpu.Grid1(outs), gpu.Bindings{0: x.Buf, 1: l.y.Buf}, l.shapeUniforms(outs)...)
	return l.y.View(l.n, l.c, l.oh, l.ow)
}

// Backward returns dx (N,C,H,W): each input gets the sum of dy/K² over the
// windows containing it (0 for an input in none). The layer has no
// parameters, so needDX false makes it a no-op.
func (l *AvgPool2D) Backward(dy *Tensor, needDX bool) *Tensor {
	if !needDX {
		return nil
	}
	if dy.Len() != l.n*l.c*l.oh*l.ow {
		panic(fmt.Sprintf("layers: avgpool: dy %v after a forward of batch %d", dy.Shape, l.n))
	}
	ins := l.n * l.c * l.h * l.w
	l.d.Dispatch(l.bwd, gpu.Grid1(ins), gpu.Bindings{0: dy.Buf, 1: l.dx.Buf}, l.shapeUniforms(ins)...)
	return l.dx.View(l.n, l.c, l.h, l.w)
}

// Params returns nil: pooling has no parameters.
func (l *AvgPool2D) Params() []*Param { return nil }

// Costs counts an addition per window element and a division per output
// (forward), and an addition per window containing an input — at most
// ceil(K/S)² — and a division per input (backward).
func (l *AvgPool2D) Costs(n int) map[string]Cost {
	in := int64(n * l.c * l.h * l.w)
	out := int64(n * l.c * l.oh * l.ow)
	kk := int64(l.K * l.K)
	win := int64((l.K + l.Stride - 1) / l.Stride)
	return map[string]Cost{
		"avgpool2d_fwd": {FLOPs: out * (kk + 1), Bytes: 4 * (in + out)},
		"avgpool2d_bwd": {FLOPs: in * (win*win + 1), Bytes: 4 * (out + in)},
	}
}

// Release frees the layer's buffers; idempotent.
func (l *AvgPool2D) Release() {
	releaseAll(l.y, l.dx)
	l.y, l.dx = nil, nil
}
