package layers

import (
	"github.com/glcnn/glcnn/gpu"
)

// MaxPool2D is PyTorch's MaxPool2d(K, Stride): a KxK window moved by Stride,
// no padding, floor mode, over (C,H,W) inputs. Forward records the argmax of
// every window (the first maximum wins on ties) and Backward routes each
// output gradient to it; overlapping windows (K > Stride) add up.
type MaxPool2D struct {
	K, Stride int

	pool2D
	argmax   *gpu.Buffer[uint32]
	fwd, bwd *gpu.Program
}

var _ Layer = (*MaxPool2D)(nil)

// NewMaxPool2D returns a max-pooling layer with a k x k window and the given
// stride. It panics unless k and stride are positive.
func NewMaxPool2D(k, stride int) *MaxPool2D {
	return &MaxPool2D{K: k, Stride: stride, pool2D: newPool2D("maxpool", "NewMaxPool2D", k, stride)}
}

// Kind returns "maxpool".
func (l *MaxPool2D) Kind() string { return "maxpool" }

// Setup allocates for inputs (C,H,W) and returns (C,OH,OW) with
// OH = (H-K)/Stride+1, OW = (W-K)/Stride+1.
func (l *MaxPool2D) Setup(d *gpu.Device, in []int, maxBatch int) ([]int, error) {
	out, err := l.setup(d, in, maxBatch, l.K, l.Stride, l.Release)
	if err != nil {
		return nil, err
	}
	if l.argmax, err = gpu.NewBuffer[uint32](d, maxBatch*l.c*l.oh*l.ow); err != nil {
		l.Release()
		return nil, err
	}
	pairs := 0
	if l.k == 2 && l.stride == 2 && l.w%2 == 0 {
		pairs = 1 // window rows as vec2 loads
	}
	k := programs{d: d, op: "maxpool"}
	l.fwd = k.get("maxpool2d_fwd", gpu.D("PAIRS", pairs))
	l.bwd = k.get(l.bwdKernel())
	if k.err != nil {
		l.Release()
		return nil, k.err
	}
	return out, nil
}

// Forward pools x (N,C,H,W) into (N,C,OH,OW) and records the argmax. The
// mode does not matter.
func (l *MaxPool2D) Forward(x *Tensor, _ Mode) *Tensor {
	outs := l.forwardBatch(x)
	l.d.Dispatch(l.fwd, gpu.Grid1(outs), gpu.Bindings{0: x.Buf, 1: l.y.Buf, 2: l.argmax}, l.shapeUniforms(outs)...)
	return l.yView()
}

// Backward returns dx (N,C,H,W): each dy goes to its window's argmax. The
// layer has no parameters, so needDX false makes it a no-op.
func (l *MaxPool2D) Backward(dy *Tensor, needDX bool) *Tensor {
	if !needDX {
		return nil
	}
	ins := l.checkDY(dy)
	if l.k > l.stride { // overlapping windows: gather per input element
		l.d.Dispatch(l.bwd, gpu.Grid1(ins), gpu.Bindings{0: dy.Buf, 1: l.argmax, 2: l.dx.Buf}, l.shapeUniforms(ins)...)
		return l.dxView()
	}
	if l.k < l.stride || l.oh*l.stride != l.h || l.ow*l.stride != l.w {
		l.dx.Buf.FillRange(0, ins, 0) // inputs no window covers
	}
	outs := l.n * l.c * l.oh * l.ow
	l.d.Dispatch(l.bwd, gpu.Grid1(outs), gpu.Bindings{0: dy.Buf, 1: l.argmax, 2: l.dx.Buf}, l.shapeUniforms(outs)...)
	return l.dxView()
}

// bwdKernel is the input-gradient kernel: a scatter over windows when they
// do not overlap, else a gather over inputs.
func (l *MaxPool2D) bwdKernel() string {
	if l.k <= l.stride {
		return "maxpool2d_bwd_window"
	}
	return "maxpool2d_bwd"
}

// Params returns nil: pooling has no parameters.
func (l *MaxPool2D) Params() []*Param { return nil }

// Costs counts a comparison per window element as a FLOP.
func (l *MaxPool2D) Costs(n int) map[string]Cost {
	// Backward: each input looks at ceil(K/S)^2 windows at most.
	in, out, kk, win := l.sizes(n)
	return map[string]Cost{
		"maxpool2d_fwd": {FLOPs: out * kk, Bytes: 4 * (in + 2*out)},
		l.bwdKernel():   {FLOPs: in * win * win, Bytes: 4 * (2*out + in)},
	}
}

// Release frees the layer's buffers; idempotent.
func (l *MaxPool2D) Release() {
	l.release()
	if l.argmax != nil {
		l.argmax.Release()
	}
	l.argmax = nil
}
