package layers

import (
	"fmt"

	"github.com/glcnn/glcnn/gpu"
)

// Register tile of the blocked linear kernels: TM x TN outputs per
// invocation (at most 32 accumulators, see linear_fwd.comp).
const linearTM, linearTN = 4, 8

// The blocked variant runs the vec kernels (linear_*_vec.comp: vec4 loads
// along In, tile sizes below) when In % 4 == 0, the scalar blocked
// kernels (linear_*_blocked.comp) otherwise; tests and benchmarks set a
// layer's tuning.scalarLinear to check and time the scalar kernels at any
// shape.
const (
	// Tiles, each the fastest of a sweep in the setting of
	// BenchmarkLinearMedium and BenchmarkLinearLarge (llvmpipe, batch 128,
	// 1568 -> 64 and 1568 -> 10), run side by side.
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
	// 8192 rows, which stay one slice. A layer's tuning.linearSlice
	// replaces it in tests.
	linearFilterSlice = 8192
)

// Linear is a fully connected layer, y = x Wᵀ + b (PyTorch Linear): weight
// (Out, In), optional bias (Out). Its input may have any per-sample shape;
// it is read as In = the product of that shape (a flatten is implied).
type Linear struct {
	Out  int
	Bias bool
	// Variant selects the kernels (VariantDirect or VariantBlocked); empty
	// means DefaultVariant. Set it before Setup.
	Variant Variant

	dev  *gpu.Device
	tune tuning // tests' overrides of the device's defaults
	// kernels is the variant Setup chose: Variant, except that blocked
	// runs the vec kernels when In % 4 == 0 (unless tune.scalarLinear).
	kernels          Variant
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
// to maxBatch, and compiles the kernels; the output is (Out). It returns
// an error for an empty shape, an unknown Variant, a buffer past the
// device's limits or a kernel the driver does not compile.
func (l *Linear) Setup(d *gpu.Device, in []int, maxBatch int) ([]int, error) {
	if len(in) == 0 || Numel(in) <= 0 || maxBatch <= 0 {
		return nil, fmt.Errorf("layers: fc: input shape %v batch %d", in, maxBatch)
	}
	v, err := checkVariant("fc", l.Variant)
	if err != nil {
		return nil, err
	}
	l.Release()
	l.dev = d
	l.in, l.n, l.f = append([]int(nil), in...), maxBatch, Numel(in)
	l.kernels = v
	if v == VariantBlocked && !l.tune.scalarLinear && l.f%4 == 0 {
		l.kernels = VariantVec
	}
	if err := l.alloc(); err != nil {
		l.Release()
		return nil, err
	}
	if err := l.compile(); err != nil {
		l.Release()
		return nil, err
	}
	return []int{l.Out}, nil
}

func (l *Linear) alloc() error {
	a := tensorAlloc{d: l.dev}
	l.weight = &Param{Name: "weight", Value: a.get(l.Out, l.f), Grad: a.get(l.Out, l.f)}
	if l.Bias {
		l.bias = &Param{Name: "bias", Value: a.get(l.Out), Grad: a.get(l.Out)}
	}
	l.y = a.get(l.n, l.Out)
	l.dx = a.get(append([]int{l.n}, l.in...)...)
	if a.err != nil {
		return a.err
	}
	var err error
	if ns := divUp(l.n, l.filterSlice()); l.kernels == VariantVec && ns > 1 {
		l.partial, err = gpu.NewBuffer[float32](l.dev, ns*l.Out*l.f)
	}
	return err
}

// compile builds the kernels of l.kernels (linear_<pass>[_<variant>].comp).
func (l *Linear) compile() error {
	k := programs{d: l.dev, op: "fc"}
	v := l.kernels
	l.biasBk = k.get("bias_bwd", gpu.D("WG", 64))
	l.reduceBk = k.get("reduce_slices", gpu.D("WG", 64))
	bias := gpu.D("HAS_BIAS", bit(l.Bias))
	switch v {
	case VariantDirect:
		wg := gpu.D("WG", 64)
		l.fwd = k.get(v.kernel("linear_fwd"), wg, bias)
		l.data = k.get(v.kernel("linear_bwd_data"), wg)
		l.filt = k.get(v.kernel("linear_bwd_filter"), wg)
	case VariantBlocked:
		wg, tm, tn := gpu.D("WG", 64), gpu.D("TM", linearTM), gpu.D("TN", linearTN)
		l.fwd = k.get(v.kernel("linear_fwd"), wg, tm, tn, bias)
		l.data = k.get(v.kernel("linear_bwd_data"), wg, tm, tn)
		l.filt = k.get(v.kernel("linear_bwd_filter"), wg, tm, tn)
	case VariantVec:
		// In and Out are uniforms, so every fc layer shares these programs;
		// only whether dy rows are read as vec4s (Out % 4 == 0) is compiled in.
		wg, dyv := gpu.D("WG", l.tune.blockedWG(l.dev)), gpu.D("DYV", bit(l.Out%4 == 0))
		l.fwd = k.get(v.kernel("linear_fwd"), wg, bias, gpu.D("TM", linearVecTM), gpu.D("TN", linearVecTN))
		l.data = k.get(v.kernel("linear_bwd_data"), wg, dyv, gpu.D("TM", linearDataTM), gpu.D("TV", linearDataTV))
		l.filt = k.get(v.kernel("linear_bwd_filter"), wg, dyv, gpu.D("TQ", linearFiltTQ), gpu.D("TV", linearFiltTV))
	}
	return k.err
}

// filterSlice bounds the samples one vec weight-gradient invocation sums.
func (l *Linear) filterSlice() int {
	if l.tune.linearSlice > 0 {
		return l.tune.linearSlice
	}
	return linearFilterSlice
}

// grid is the dispatch of a direct or blocked kernel whose output is m x q.
func (l *Linear) grid(m, q int) gpu.Grid {
	if l.kernels == VariantBlocked {
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
	var bias gpu.Storage // binding 3, bound only with a bias
	if l.Bias {
		bias = l.bias.Value.Buf
	}
	bufs := gpu.Bindings{0: x.Buf, 1: l.weight.Value.Buf, 2: l.y.Buf, 3: bias}
	if l.kernels == VariantVec {
		l.dev.Dispatch(l.fwd, gpu.Grid2(divUp(n, linearVecTM), divUp(l.Out, linearVecTN)), bufs, l.uniforms(n)...)
	} else {
		l.dev.Dispatch(l.fwd, l.grid(n, l.Out), bufs, l.uniforms(n)...)
	}
	return l.y.View(n, l.Out)
}

// backwardFilter adds dW += dyᵀ x.
func (l *Linear) backwardFilter(dy *Tensor, n int) {
	if l.kernels != VariantVec {
		l.dev.Dispatch(l.filt, l.grid(l.Out, l.f), gpu.Bindings{0: dy.Buf, 1: l.x.Buf, 2: l.weight.Grad.Buf}, l.uniforms(n)...)
		return
	}
	ns := divUp(n, l.filterSlice())
	per := divUp(n, ns)
	dst := l.weight.Grad.Buf
	if ns > 1 {
		dst = l.partial
	}
	l.dev.Dispatch(l.filt, gpu.Grid3(divUp(l.f/4, linearFiltTV), divUp(l.Out, linearFiltTQ), ns),
		gpu.Bindings{0: dy.Buf, 1: l.x.Buf, 2: dst},
		append(l.uniforms(n), gpu.U("SL", per), gpu.U("accum", bit(ns == 1)))...)
	if ns > 1 {
		l.dev.Dispatch(l.reduceBk, gpu.Grid1(l.Out*l.f), gpu.Bindings{0: l.partial, 1: l.weight.Grad.Buf},
			gpu.U("n", l.Out*l.f), gpu.U("slices", ns))
	}
}

// backwardData computes dx = dy W into l.dx.
func (l *Linear) backwardData(dy *Tensor, n int) {
	bufs := gpu.Bindings{0: dy.Buf, 1: l.weight.Value.Buf, 2: l.dx.Buf}
	if l.kernels == VariantVec {
		l.dev.Dispatch(l.data, gpu.Grid2(divUp(n, linearDataTM), divUp(l.f/4, linearDataTV)), bufs, l.uniforms(n)...)
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
	releaseParams(l.weight, l.bias)
	releaseAll(l.y, l.dx)
	if l.partial != nil {
		l.partial.Release()
		l.partial = nil
	}
	l.weight, l.bias, l.y, l.dx, l.x = nil, nil, nil, nil, nil
}
