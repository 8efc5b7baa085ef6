package layers

import (
	"fmt"

	"github.com/glcnn/glcnn/gpu"
)

// GlobalAvgPool2D is global average pooling, PyTorch's
// AdaptiveAvgPool2d(1): (C,H,W) in, (C,1,1) out, each output the mean of
// its plane. Backward spreads each output gradient evenly over its plane.
type GlobalAvgPool2D struct {
	d           *gpu.Device
	c, h, w     int
	maxBatch, n int
	y, dx       *Tensor
	fwd, bwd    *gpu.Program
}

var _ Layer = (*GlobalAvgPool2D)(nil)

// NewGlobalAvgPool2D returns a global average pooling layer.
func NewGlobalAvgPool2D() *GlobalAvgPool2D { return &GlobalAvgPool2D{} }

// Kind returns "gap".
func (l *GlobalAvgPool2D) Kind() string { return "gap" }

// Setup allocates for inputs (C,H,W) and returns (C,1,1).
func (l *GlobalAvgPool2D) Setup(d *gpu.Device, in []int, maxBatch int) ([]int, error) {
	if len(in) != 3 || in[0] < 1 || in[1] < 1 || in[2] < 1 {
		return nil, fmt.Errorf("layers: gap: input %v is not (C,H,W)", in)
	}
	l.Release()
	l.d, l.maxBatch = d, maxBatch
	l.c, l.h, l.w = in[0], in[1], in[2]
	var err error
	if l.y, err = NewTensor(d, maxBatch, l.c, 1, 1); err != nil {
		return nil, err
	}
	if l.dx, err = NewTensor(d, maxBatch, l.c, l.h, l.w); err != nil {
		l.Release()
		return nil, err
	}
	k := programs{d: d, op: "gap"}
	l.fwd = k.get("gap_fwd")
	l.bwd = k.get("gap_bwd")
	if k.err != nil {
		l.Release()
		return nil, k.err
	}
	return []int{l.c, 1, 1}, nil
}

// Forward averages each plane of x (N,C,H,W) into y (N,C,1,1). The mode
// does not matter.
func (l *GlobalAvgPool2D) Forward(x *Tensor, _ Mode) *Tensor {
	l.n = batchOf("gap", x, []int{l.c, l.h, l.w}, l.maxBatch)
	planes := l.n * l.c
	l.d.Dispatch(l.fwd, gpu.Grid1(planes), gpu.Bindings{0: x.Buf, 1: l.y.Buf},
		gpu.U("n", planes), gpu.U("HW", l.h*l.w))
	return l.y.View(l.n, l.c, 1, 1)
}

// Backward returns dx (N,C,H,W) = dy[n,c] / (H·W) over each plane. The
// layer has no parameters, so needDX false makes it a no-op.
func (l *GlobalAvgPool2D) Backward(dy *Tensor, needDX bool) *Tensor {
	if !needDX {
		return nil
	}
	if dy.Len() != l.n*l.c {
		panic(fmt.Sprintf("layers: gap: dy %v after a forward of batch %d", dy.Shape, l.n))
	}
	ins := l.n * l.c * l.h * l.w
	l.d.Dispatch(l.bwd, gpu.Grid1(ins), gpu.Bindings{0: dy.Buf, 1: l.dx.Buf},
		gpu.U("n", ins), gpu.U("HW", l.h*l.w))
	return l.dx.View(l.n, l.c, l.h, l.w)
}

// Params returns nil: pooling has no parameters.
func (l *GlobalAvgPool2D) Params() []*Param { return nil }

// Costs counts an add per input and a divide per output forward, a divide
// per input backward.
func (l *GlobalAvgPool2D) Costs(n int) map[string]Cost {
	in := int64(n * l.c * l.h * l.w)
	out := int64(n * l.c)
	return map[string]Cost{
		"gap_fwd": {FLOPs: in + out, Bytes: 4 * (in + out)},
		"gap_bwd": {FLOPs: in, Bytes: 4 * (out + in)},
	}
}

// Release frees the layer's buffers; idempotent.
func (l *GlobalAvgPool2D) Release() {
	releaseAll(l.y, l.dx)
	l.y, l.dx = nil, nil
}
