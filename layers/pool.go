package layers

import (
	"fmt"

	"github.com/glcnn/glcnn/gpu"
)

// MaxPool2D is PyTorch's MaxPool2d(K, Stride): a KxK window moved by Stride,
// no padding, floor mode, over (C,H,W) inputs. Forward records the argmax of
// every window (the first maximum wins on ties) and Backward routes each
// output gradient to it; overlapping windows (K > Stride) add up.
type MaxPool2D struct {
	K, Stride int

	d               *gpu.Device
	c, h, w, oh, ow int
	maxBatch, n     int
	y, dx           *Tensor
	argmax          *gpu.Buffer[uint32]
	fwd, bwd        *gpu.Program
}

var _ Layer = (*MaxPool2D)(nil)

// NewMaxPool2D returns a max-pooling layer with a k x k window and the given
// stride. It panics unless k and stride are positive.
func NewMaxPool2D(k, stride int) *MaxPool2D {
	if k <= 0 || stride <= 0 {
		panic(fmt.Sprintf("layers: NewMaxPool2D(%d, %d): kernel and stride must be positive", k, stride))
	}
	return &MaxPool2D{K: k, Stride: stride}
}

// Kind returns "maxpool".
func (l *MaxPool2D) Kind() string { return "maxpool" }

// Setup allocates for inputs (C,H,W) and returns (C,OH,OW) with
// OH = (H-K)/Stride+1, OW = (W-K)/Stride+1.
func (l *MaxPool2D) Setup(d *gpu.Device, in []int, maxBatch int) ([]int, error) {
	if len(in) != 3 {
		return nil, fmt.Errorf("layers: maxpool: input %v is not (C,H,W)", in)
	}
	if in[1] < l.K || in[2] < l.K {
		return nil, fmt.Errorf("layers: maxpool: %dx%d window larger than the %dx%d input", l.K, l.K, in[1], in[2])
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
	if l.argmax, err = gpu.NewBuffer[uint32](d, maxBatch*l.c*l.oh*l.ow); err != nil {
		l.Release()
		return nil, err
	}
	pairs := 0
	if l.K == 2 && l.Stride == 2 && l.w%2 == 0 {
		pairs = 1 // window rows as vec2 loads
	}
	k := programs{d: d, op: "maxpool"}
	l.fwd = k.get("maxpool2d_fwd", gpu.D("PAIRS", pairs))
	l.bwd = k.get(l.bwdKernel())
	if k.err != nil {
		l.Release()
		return nil, k.err
	}
	return []int{l.c, l.oh, l.ow}, nil
}

func (l *MaxPool2D) shapeUniforms(n int) []gpu.Uniform {
	return []gpu.Uniform{gpu.U("n", n), gpu.U("H", l.h), gpu.U("W", l.w), gpu.U("OH", l.oh),
		gpu.U("OW", l.ow), gpu.U("K", l.K), gpu.U("S", l.Stride)}
}

// Forward pools x (N,C,H,W) into (N,C,OH,OW) and records the argmax. The
// mode does not matter.
func (l *MaxPool2D) Forward(x *Tensor, _ Mode) *Tensor {
	l.n = batchOf("maxpool", x, []int{l.c, l.h, l.w}, l.maxBatch)
	outs := l.n * l.c * l.oh * l.ow
	l.d.Dispatch(l.fwd, gpu.Grid1(outs), gpu.Bindings{0: x.Buf, 1: l.y.Buf, 2: l.argmax}, l.shapeUniforms(outs)...)
	return l.y.View(l.n, l.c, l.oh, l.ow)
}

// Backward returns dx (N,C,H,W): each dy goes to its window's argmax. The
// layer has no parameters, so needDX false makes it a no-op.
func (l *MaxPool2D) Backward(dy *Tensor, needDX bool) *Tensor {
	if !needDX {
		return nil
	}
	if dy.Len() != l.n*l.c*l.oh*l.ow {
		panic(fmt.Sprintf("layers: maxpool: dy %v after a forward of batch %d", dy.Shape, l.n))
	}
	ins := l.n * l.c * l.h * l.w
	if l.K > l.Stride { // overlapping windows: gather per input element
		l.d.Dispatch(l.bwd, gpu.Grid1(ins), gpu.Bindings{0: dy.Buf, 1: l.argmax, 2: l.dx.Buf}, l.shapeUniforms(ins)...)
		return l.dx.View(l.n, l.c, l.h, l.w)
	}
	if l.K < l.Stride || l.oh*l.Stride != l.h || l.ow*l.Stride != l.w {
		l.dx.Buf.FillRange(0, ins, 0) // inputs no window covers
	}
	outs := l.n * l.c * l.oh * l.ow
	l.d.Dispatch(l.bwd, gpu.Grid1(outs), gpu.Bindings{0: dy.Buf, 1: l.argmax, 2: l.dx.Buf}, l.shapeUniforms(outs)...)
	return l.dx.View(l.n, l.c, l.h, l.w)
}

// bwdKernel is the input-gradient kernel: a scatter over windows when they
// do not overlap, else a gather over inputs.
func (l *MaxPool2D) bwdKernel() string {
	if l.K <= l.Stride {
		return "maxpool2d_bwd_window"
	}
	return "maxpool2d_bwd"
}

// Params returns nil: pooling has no parameters.
func (l *MaxPool2D) Params() []*Param { return nil }

// Costs counts a comparison per window element as a FLOP.
func (l *MaxPool2D) Costs(n int) map[string]Cost {
	in := int64(n * l.c * l.h * l.w)
	out := int64(n * l.c * l.oh * l.ow)
	kk := int64(l.K * l.K)
	// Backward: each input looks at ceil(K/S)^2 windows at most.
	win := int64((l.K + l.Stride - 1) / l.Stride)
	return map[string]Cost{
		"maxpool2d_fwd": {FLOPs: out * kk, Bytes: 4 * (in + 2*out)},
		l.bwdKernel():   {FLOPs: in * win * win, Bytes: 4 * (2*out + in)},
	}
}

// Release frees the layer's buffers; idempotent.
func (l *MaxPool2D) Release() {
	releaseAll(l.y, l.dx)
	if l.argmax != nil {
		l.argmax.Release()
	}
	l.y, l.dx, l.argmax = nil, nil, nil
}
