package layers

import (
	"fmt"

	"github.com/glcnn/glcnn/gpu"
)

// Register tile of the blocked linear kernels: TM x TN outputs per
// invocation (at most 32 accumulators, see linear_fwd.comp).
const linearTM, linearTN = 4, 8

// The blocked variant runs the vec kernels (BLOCKED 2 in the linear_*.comp
// files: vec4 loads along In, tile sizes below) when In % 4 == 0, the
// scalar blocked kernels otherwise. Tests and benchmarks set linearVec to
// false to check and time the scalar kernels at any shape.
var (
	linearVec = true
	// Tiles, each the fastest of a sweep in BenchmarkLinear's setting
	// (llvmpipe, batch 128, 1568 -> 64 and 1568 -> 10), run side by side.
	// The accumulators live in two arrays of at most 32 floats each.
	// Forward: samples x outputs per invocation (TM*TN <= 64); 8x4 beat 4x8
	// (5.1 vs 5.5 ms), 8x8 (7.1), 4x16 (8.7).
	linearVecTM, linearVecTN = 8, 4
	// Input gradient: samples x vec4s of dx per invocation (4*TM*TV <= 64);
	// 8x2 beat 4x4 (4.8 ms), 4x2 (5.3), 16x1 (9.7).
	linearDataTM, linearDataTV = 8, 2
	// Weight gradient: outputs x vec4s of dw per invocation (4*TQ*TV <= 64);
	// 8x2 beat 4x2 (5.6 ms), 8x1 (5.9), 4x4 (6.1), 16x1 (8.4).
	linearFiltTQ, linearFiltTV = 8, 2
	// linearFilterSlice bounds the samples one weight-gradient invocation
	// sums: llvmpipe ends an invocation's loops, silently, after 65535
	// iterations in all (docs/llvmpipe.md); the trainer's chunks are at most
	// 8192 rows, which stay one slice.
	linearFilterSlice = 8192
)

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
	vec              bool // the vec kernels (In % 4 == 0)
	dtm, dtv         int  // input-gradient tile of the vec kernels
	ftq, ftv, fsl    int  // weight-gradient tile and slice of the vec kernels
	ftm, ftn         int  // forward tile of the vec kernels
	partial          *gpu.Buffer[float32]
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
	l.vec = v == VariantBlocked && linearVec && l.f%4 == 0
	if l.vec {
		l.ftm, l.ftn = linearVecTM, linearVecTN
		l.dtm, l.dtv = linearDataTM, linearDataTV
		l.ftq, l.ftv, l.fsl = linearFiltTQ, linearFiltTV, linearFilterSlice
		if ns := divUp(l.n, l.fsl); ns > 1 && terr == nil {
			l.partial, terr = gpu.NewBuffer[float32](d, ns*l.Out*l.f)
		}
	}
	if terr != nil {
		l.Release()
		return nil, terr
	}
	l.biasBk = d.MustProgram("bias_bwd", gpu.D("WG", 64))
	l.reduceBk = d.MustProgram("reduce_slices", gpu.D("WG", 64))
	if l.vec {
		shape := []gpu.Define{gpu.D("WG", blockedWG(d)), gpu.D("BLOCKED", 2), gpu.D("IN", l.f), gpu.D("OUT", l.Out)}
		vdefs := func(extra ...gpu.Define) []gpu.Define { return append(append([]gpu.Define(nil), shape...), extra...) }
		l.fwd = d.MustProgram("linear_fwd", vdefs(gpu.D("HAS_BIAS", bit(l.Bias)), gpu.D("TM", l.ftm), gpu.D("TN", l.ftn))...)
		l.data = d.MustProgram("linear_bwd_data", vdefs(gpu.D("TM", l.dtm), gpu.D("TV", l.dtv))...)
		l.filt = d.MustProgram("linear_bwd_filter", vdefs(gpu.D("TQ", l.ftq), gpu.D("TV", l.ftv))...)
		return []int{l.Out}, nil
	}
	defs := func(extra ...gpu.Define) []gpu.Define {
		return append([]gpu.Define{gpu.D("WG", 64), gpu.D("BLOCKED", bit(v == VariantBlocked)),
			gpu.D("TM", linearTM), gpu.D("TN", linearTN)}, extra...)
	}
	l.fwd = d.MustProgram("linear_fwd", defs(gpu.D("HAS_BIAS", bit(l.Bias)))...)
	l.data = d.MustProgram("linear_bwd_data", defs()...)
	l.filt = d.MustProgram("linear_bwd_filter", defs()...)
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
	if l.vec {
		l.dev.Dispatch(l.fwd, gpu.Grid2(divUp(n, l.ftm), divUp(l.Out, l.ftn)), bufs, l.uniforms(n)...)
	} else {
		l.dev.Dispatch(l.fwd, l.grid(n, l.Out), bufs, l.uniforms(n)...)
	}
	return l.y.View(n, l.Out)
}

// backwardFilter adds dW += dyᵀ x.
func (l *Linear) backwardFilter(dy *Tensor, n int) {
	if !l.vec {
		l.dev.Dispatch(l.filt, l.grid(l.Out, l.f), []gpu.Storage{dy.Buf, l.x.Buf, l.weight.Grad.Buf}, l.uniforms(n)...)
		return
	}
	ns := divUp(n, l.fsl)
	per := divUp(n, ns)
	dst := l.weight.Grad.Buf
	if ns > 1 {
		dst = l.partial
	}
	l.dev.Dispatch(l.filt, gpu.Grid2(divUp(l.f/4, l.ftv), divUp(l.Out, l.ftq)*ns), []gpu.Storage{dy.Buf, l.x.Buf, dst},
		gpu.U("N", n), gpu.U("SL", per), gpu.U("accum", bit(ns == 1)))
	if ns > 1 {
		l.dev.Dispatch(l.reduceBk, gpu.Grid1(l.Out*l.f), []gpu.Storage{l.partial, l.weight.Grad.Buf},
			gpu.U("n", l.Out*l.f), gpu.U("slices", ns))
	}
}

// backwardData computes dx = dy W into l.dx.
func (l *Linear) backwardData(dy *Tensor, n int) {
	bufs := []gpu.Storage{dy.Buf, l.weight.Value.Buf, l.dx.Buf}
	if l.vec {
		l.dev.Dispatch(l.data, gpu.Grid2(divUp(n, l.dtm), divUp(l.f/4, l.dtv)), bufs, gpu.U("N", n))
		return
	}
	l.dev.Dispatch(l.data, l.grid(n, l.f), bufs, l.uniforms(n)...)
}

// Backward adds dW += dyᵀ x and db += sum_n dy into the gradients and
// returns dx = dy W (shaped as the input) when needDX.
func (l *Linear) Backward(dy *Tensor, needDX bool) *Tensor {
	n := batchOf("fc backward", dy, []int{l.Out}, l.n)
	if l.x == nil || l.x.Shape[0] != n {
		panic(fmt.Sprintf("layers: fc: Backward of batch %d after Forward of %v", n, l.x))
	}
	l.backwardFilter(dy, n)
	if l.Bias {
		biasBackward(l.dev, l.biasBk, l.reduceBk, dy.Buf, l.bias.Grad.Buf, nil, n, l.Out, 1, 1)
	}
	if !needDX {
		return nil
	}
	l.backwardData(dy, n)
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
	if l.partial != nil {
		l.partial.Release()
		l.partial = nil
	}
	l.weight, l.bias, l.y, l.dx, l.x = nil, nil, nil, nil, nil
}
