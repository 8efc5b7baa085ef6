package layers

import (
	"fmt"

	"github.com/glcnn/glcnn/gpu"
)

// Register tile of the blocked linear kernels: TM x TN outputs per
// invocation (at most 32 accumulators, see linear_fwd.comp).
const linearTM, linearTN = 4, 8

// Linear is a fully connected layer, y = x Wᵀ + b (PyTorch Linear): weight
// (Out, In), optional bias (Out). Its input may have any per-sample shape;
// it is read as In = the product of that shape (a flatten is implied).
type Linear struct {
	Out  int
	Bias bool
	// Variant selects the kernels ("direct" or "blocked"); empty means
	// DefaultVariant. Set it before Setup.
	Variant string

	dev              *gpu.Device
	variant          string
	in               []int
	n, f             int // largest batch, input features
	weight, bias     *Param
	y, dx            *Tensor
	x                *Tensor
	fwd, data, filt  *gpu.Program
	biasBk, reduceBk *gpu.Program
}

var _ Layer = (*Linear)(nil)

// NewLinear returns a fully connected layer with out outputs and a bias
// when bias is true. It panics when out is not positive.
func NewLinear(out int, bias bool) *Linear {
	if out <= 0 {
		panic(fmt.Sprintf("layers: NewLinear(%d)", out))
	}
	return &Linear{Out: out, Bias: bias}
}

// Kind is "fc".
func (l *Linear) Kind() string { return "fc" }

// Setup allocates for per-sample input shape in (any rank) and batches up
// to maxBatch; the output is (Out).
func (l *Linear) Setup(d *gpu.Device, in []int, maxBatch int) ([]int, error) {
	if len(in) == 0 || Numel(in) <= 0 || maxBatch <= 0 {
		return nil, fmt.Errorf("layers: fc: input shape %v batch %d", in, maxBatch)
	}
	v, err := checkVariant("fc", l.Variant)
	if err != nil {
		return nil, err
	}
	l.Release()
	l.dev, l.variant = d, v
	l.in, l.n, l.f = append([]int(nil), in...), maxBatch, Numel(in)
	var terr error
	newT := func(shape ...int) *Tensor {
		if terr != nil {
			return nil
		}
		var t *Tensor
		t, terr = NewTensor(d, shape...)
		return t
	}
	l.weight = &Param{Name: "weight", Value: newT(l.Out, l.f), Grad: newT(l.Out, l.f)}
	if l.Bias {
		l.bias = &Param{Name: "bias", Value: newT(l.Out), Grad: newT(l.Out)}
	}
	l.y = newT(l.n, l.Out)
	l.dx = newT(append([]int{l.n}, in...)...)
	if terr != nil {
		l.Release()
		return nil, terr
	}
	defs := func(extra ...gpu.Define) []gpu.Define {
		return append([]gpu.Define{gpu.D("WG", 64), gpu.D("BLOCKED", bit(v == VariantBlocked)),
			gpu.D("TM", linearTM), gpu.D("TN", linearTN)}, extra...)
	}
	l.fwd = d.MustProgram("linear_fwd", defs(gpu.D("HAS_BIAS", bit(l.Bias)))...)
	l.data = d.MustProgram("linear_bwd_data", defs()...)
	l.filt = d.MustProgram("linear_bwd_filter", defs()...)
	l.biasBk = d.MustProgram("bias_bwd", gpu.D("WG", 64))
	l.reduceBk = d.MustProgram("reduce_slices", gpu.D("WG", 64))
	return []int{l.Out}, nil
}

// grid is the dispatch of a kernel whose output is m x q.
func (l *Linear) grid(m, q int) gpu.Grid {
	if l.variant == VariantBlocked {
		return gpu.Grid1(divUp(m, linearTM) * divUp(q, linearTN))
	}
	return gpu.Grid1(m * q)
}

func (l *Linear) uniforms(n int) []gpu.Uniform {
	return []gpu.Uniform{gpu.U("N", n), gpu.U("In", l.f), gpu.U("Out", l.Out)}
}

// Forward computes y = x Wᵀ + b.
func (l *Linear) Forward(x *Tensor, m Mode) *Tensor {
	n := batchOf("fc", x, l.in, l.n)
	l.x = x
	bufs := []gpu.Storage{x.Buf, l.weight.Value.Buf, l.y.Buf}
	if l.Bias {
		bufs = append(bufs, l.bias.Value.Buf)
	}
	l.dev.Dispatch(l.fwd, l.grid(n, l.Out), bufs, l.uniforms(n)...)
	return l.y.View(n, l.Out)
}

// Backward adds dW += dyᵀ x and db += sum_n dy into the gradients and
// returns dx = dy W (shaped as the input) when needDX.
func (l *Linear) Backward(dy *Tensor, needDX bool) *Tensor {
	n := batchOf("fc backward", dy, []int{l.Out}, l.n)
	if l.x == nil || l.x.Shape[0] != n {
		panic(fmt.Sprintf("layers: fc: Backward of batch %d after Forward of %v", n, l.x))
	}
	us := l.uniforms(n)
	l.dev.Dispatch(l.filt, l.grid(l.Out, l.f), []gpu.Storage{dy.Buf, l.x.Buf, l.weight.Grad.Buf}, us...)
	if l.Bias {
		biasBackward(l.dev, l.biasBk, l.reduceBk, dy.Buf, l.bias.Grad.Buf, nil, n, l.Out, 1, 1)
	}
	if !needDX {
		return nil
	}
	l.dev.Dispatch(l.data, l.grid(n, l.f), []gpu.Storage{dy.Buf, l.weight.Value.Buf, l.dx.Buf}, us...)
	return l.dx.View(append([]int{n}, l.in...)...)
}

// Params returns weight and, with a bias, bias.
func (l *Linear) Params() []*Param {
	if l.Bias {
		return []*Param{l.weight, l.bias}
	}
	return []*Param{l.weight}
}

// Costs counts 2 FLOPs per multiply-add and each tensor once.
func (l *Linear) Costs(n int) map[string]Cost {
	const f = 4
	nn, in, out := int64(n), int64(l.f), int64(l.Out)
	macs := nn * in * out
	c := map[string]Cost{
		"linear_fwd":        {FLOPs: 2 * macs, Bytes: f * (nn*in + out*in + nn*out)},
		"linear_bwd_data":   {FLOPs: 2 * macs, Bytes: f * (nn*out + out*in + nn*in)},
		"linear_bwd_filter": {FLOPs: 2 * macs, Bytes: f * (nn*out + nn*in + 2*out*in)},
	}
	if l.Bias {
		fw := c["linear_fwd"]
		fw.FLOPs += nn * out
		fw.Bytes += f * out
		c["linear_fwd"] = fw
		c["bias_bwd"] = Cost{FLOPs: nn * out, Bytes: f * (nn*out + 2*out)}
	}
	return c
}

// Release frees every buffer; idempotent.
func (l *Linear) Release() {
	for _, p := range []*Param{l.weight, l.bias} {
		if p != nil {
			releaseAll(p.Value, p.Grad)
		}
	}
	releaseAll(l.y, l.dx)
	l.weight, l.bias, l.y, l.dx, l.x = nil, nil, nil, nil, nil
}
