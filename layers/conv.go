package layers

import (
	"fmt"

	"github.com/glcnn/glcnn/gpu"
)

// Kernel variants of Conv2D and Linear. Every variant computes the same
// function and runs through the same tests; they differ in how the work is
// split among invocations.
const (
	// VariantDirect computes one output element per invocation: the
	// simplest correct kernel.
	VariantDirect = "direct"
	// VariantBlocked computes a block of outputs per invocation with the
	// accumulators in registers, so each value loaded feeds several FMAs;
	// weight addresses are uniform across a workgroup.
	VariantBlocked = "blocked"
	// VariantVec (Conv2D only) runs stride-1 3x3 pad-1 convolutions whose
	// planes hold a multiple of 4 pixels with kernels that walk the
	// flattened planes in vec4s (BLOCKED 2 in the conv2d_*.comp files): all
	// 9 taps per invocation, vec4 loads and stores, weights from a uniform
	// block when they fit. Other shapes use the blocked kernels.
	VariantVec = "vec"
)

// DefaultConvVariant is the variant a Conv2D uses when its Variant field
// is empty: vec, the fastest in BenchmarkConv2D on llvmpipe (Mesa 22.3, 2
// shared cores, batch 128, minimum of 4 runs) for every kernel at every
// benchmarked shape. Against blocked, in ms per call: 1->16 on 28x28 fwd
// 13.2 -> 10.1, dw 9.6 -> 4.7; 16->32 on 14x14 fwd 52.7 -> 29.9, dx 51.2
// -> 28.4, dw 86.0 -> 23.8 (the default preset's convs, 2.2x in all);
// 64->64 on 28x28 dw 3958 -> 1530; 128->128 on 14x14 fwd 2727 -> 2024, dw
// 4038 -> 973. On a GPU its invocations are as independent as blocked's,
// with weights from a uniform block (constant cache) when they fit.
var DefaultConvVariant = VariantVec

func checkConvVariant(v string) (string, error) {
	switch v {
	case "":
		return DefaultConvVariant, nil
	case VariantVec:
		return v, nil
	}
	return checkVariant("conv", v)
}

// DefaultVariant is the variant a Linear uses when its Variant field is
// empty: the fastest in BenchmarkConv2D and BenchmarkLinear on
// llvmpipe (Mesa 22.3, 2 cores), where blocked beat direct for every
// kernel at the default preset's shapes, by 2x (first conv, input
// gradient) to 25x.
var DefaultVariant = VariantBlocked

func checkVariant(op, v string) (string, error) {
	switch v {
	case "":
		return DefaultVariant, nil
	case VariantDirect, VariantBlocked:
		return v, nil
	}
	return "", fmt.Errorf("layers: %s: unknown variant %q (want %q or %q)", op, v, VariantDirect, VariantBlocked)
}

// Register blocking of the blocked conv kernels (see each .comp's header).
// The channel blocks are multiples of 4 (vec4 weight loads).
const (
	convFwdKB, convFwdPB   = 16, 8 // output channels x output columns
	convDataCB, convDataPB = 16, 8 // input channels x input columns
	convFilterKB           = 8     // output channels per dw invocation
	convFilterSlice        = 4096  // output pixels summed per dw invocation
	// convMaxSlicePixels bounds the output pixels one invocation sums in
	// any variant: llvmpipe ends an invocation's loops, silently, after
	// 65535 iterations in all (docs/llvmpipe.md).
	convMaxSlicePixels = 32768
	convWG             = 64
)

// Blocking of the vec kernels: output channels x vec4s of pixels per
// forward / input-gradient invocation, output channels per dw invocation.
var (
	convVecKB, convVecPV = 8, 2
	convVecFilterKB      = 8
	// convVecInvocations is how many dw invocations the batch slices aim
	// at: enough lanes for a software renderer's threads, or a GPU's.
	convVecInvocations = map[bool]int{true: 512, false: 16384}
	// convUniformLimit caps the packed weights read from a uniform block
	// (bytes; also capped by GL_MAX_UNIFORM_BLOCK_SIZE). Tests lower it to
	// exercise the storage-buffer fallback.
	convUniformLimit = 1 << 30
)

// blockedWG is the workgroup size of the blocked kernels: small on a
// software renderer, where BenchmarkConv2D measured 8-16 up to twice as
// fast as 64; a GPU wants full warps.
func blockedWG(d *gpu.Device) int {
	if !gpuShaped(d) {
		return 16
	}
	return 64
}

// forceGPUShapes makes the layers choose workgroup sizes and slice counts
// for a GPU even on a software renderer, so that the tests run the
// configurations a GPU gets on the CPU drivers too (gpu_shapes_test.go).
var forceGPUShapes = false

// gpuShaped reports whether the layers shape their dispatches for a GPU.
func gpuShaped(d *gpu.Device) bool { return forceGPUShapes || !d.Info().Software }

// convFilterJB is the number of kernel columns a dw invocation owns; with
// convFilterKB it keeps the accumulators within two arrays of 32 floats,
// which llvmpipe holds in registers (a larger array goes to memory, 6x
// slower).
func convFilterJB(kw int) int { return min(kw, 64/convFilterKB) }

// Conv2D is a 2-D convolution over NCHW input (PyTorch Conv2d with
// groups=1, dilation=1): weight (OutC, C, KH, KW), optional bias (OutC),
// symmetric zero padding Pad, the same Stride along both axes.
type Conv2D struct {
	OutC, KH, KW, Stride, Pad int
	Bias                      bool
	// Variant selects the kernels ("direct", "blocked" or "vec"); empty
	// means DefaultConvVariant. Set it before Setup.
	Variant string

	dev                       *gpu.Device
	variant                   string
	kern                      int  // BLOCKED define: 0 direct, 1 blocked, 2 vec
	uboF, uboD                bool // vec: packed weights in a uniform block
	n, c, h, w, oh, ow        int  // n: the largest batch
	weight, bias              *Param
	y, dx                     *Tensor
	partial                   *gpu.Buffer[float32] // per-slice dw and db sums
	packF, packD              *gpu.Buffer[float32] // weights packed for the blocked kernels
	x                         *Tensor              // input of the last Forward
	fwd, data, filter, biasBk *gpu.Program
	reduce, pack              *gpu.Program
}

var _ Layer = (*Conv2D)(nil)

// NewConv2D returns a convolution with outC output channels, a kh x kw
// kernel, the given stride and padding, and a bias when bias is true. It
// panics on a non-positive size or stride or a negative padding.
func NewConv2D(outC, kh, kw, stride, pad int, bias bool) *Conv2D {
	if outC <= 0 || kh <= 0 || kw <= 0 || stride <= 0 || pad < 0 {
		panic(fmt.Sprintf("layers: NewConv2D(%d, %d, %d, %d, %d)", outC, kh, kw, stride, pad))
	}
	return &Conv2D{OutC: outC, KH: kh, KW: kw, Stride: stride, Pad: pad, Bias: bias}
}

// Kind is "conv".
func (l *Conv2D) Kind() string { return "conv" }

// Setup allocates for input (C,H,W) and batches up to maxBatch.
func (l *Conv2D) Setup(d *gpu.Device, in []int, maxBatch int) ([]int, error) {
	if len(in) != 3 || in[0] <= 0 || in[1] <= 0 || in[2] <= 0 || maxBatch <= 0 {
		return nil, fmt.Errorf("layers: conv: input shape %v (want C,H,W) batch %d", in, maxBatch)
	}
	if in[1]+2*l.Pad < l.KH || in[2]+2*l.Pad < l.KW {
		return nil, fmt.Errorf("layers: conv: kernel %dx%d larger than the padded input %v (pad %d)", l.KH, l.KW, in, l.Pad)
	}
	v, err := checkConvVariant(l.Variant)
	if err != nil {
		return nil, err
	}
	l.Release()
	l.dev, l.variant = d, v
	l.n, l.c, l.h, l.w = maxBatch, in[0], in[1], in[2]
	l.oh = (l.h+2*l.Pad-l.KH)/l.Stride + 1
	l.ow = (l.w+2*l.Pad-l.KW)/l.Stride + 1
	switch {
	case v == VariantDirect:
		l.kern = 0
	case v == VariantVec && l.vecShape():
		l.kern = 2
	default:
		l.kern = 1
	}
	if err := l.alloc(); err != nil {
		l.Release()
		return nil, err
	}
	l.compile()
	return []int{l.OutC, l.oh, l.ow}, nil
}

// vecShape reports whether the vec kernels handle the layer's shape.
func (l *Conv2D) vecShape() bool {
	return l.Stride == 1 && l.KH == 3 && l.KW == 3 && l.Pad == 1 && l.h*l.w%4 == 0 && l.w >= 4
}

// packSizes is the floats of the forward and input-gradient weight packs.
func (l *Conv2D) packSizes() (int, int) {
	taps := l.KH * l.KW
	kb, cb := convFwdKB, convDataCB
	if l.kern == 2 {
		kb, cb = vecKB(l.OutC), vecKB(l.c)
	}
	return l.c * taps * divUp(l.OutC, kb) * kb, l.OutC * taps * divUp(l.c, cb) * cb
}

func (l *Conv2D) alloc() error {
	var err error
	newT := func(shape ...int) *Tensor {
		if err != nil {
			return nil
		}
		var t *Tensor
		t, err = NewTensor(l.dev, shape...)
		return t
	}
	l.weight = &Param{Name: "weight", Value: newT(l.OutC, l.c, l.KH, l.KW), Grad: newT(l.OutC, l.c, l.KH, l.KW)}
	if l.Bias {
		l.bias = &Param{Name: "bias", Value: newT(l.OutC), Grad: newT(l.OutC)}
	}
	l.y = newT(l.n, l.OutC, l.oh, l.ow)
	l.dx = newT(l.n, l.c, l.h, l.w)
	if err != nil {
		return err
	}
	if ns := l.maxSlices(); ns > 1 {
		l.partial, err = gpu.NewBuffer[float32](l.dev, ns*max(l.OutC*l.c*l.KH*l.KW, l.OutC))
	}
	if err == nil && l.kern != 0 {
		f, d := l.packSizes()
		l.packF, err = gpu.NewBuffer[float32](l.dev, f)
		if err == nil {
			l.packD, err = gpu.NewBuffer[float32](l.dev, d)
		}
		lim := min(convUniformLimit, l.dev.Info().MaxUniformBlock)
		l.uboF, l.uboD = l.kern == 2 && 4*f <= lim, l.kern == 2 && 4*d <= lim
	}
	return err
}

func (l *Conv2D) compile() {
	if l.kern == 2 {
		l.compileVec()
		return
	}
	d, blocked := l.dev, bit(l.kern == 1)
	s1 := gpu.D("S1", bit(l.Stride == 1))
	wg := gpu.D("WG", convWG)
	if blocked == 1 {
		wg = gpu.D("WG", blockedWG(d))
	}
	l.fwd = d.MustProgram("conv2d_fwd", wg, gpu.D("BLOCKED", blocked),
		gpu.D("KB", convFwdKB), gpu.D("PB", convFwdPB), s1, gpu.D("HAS_BIAS", bit(l.Bias)))
	l.data = d.MustProgram("conv2d_bwd_data", wg, gpu.D("BLOCKED", blocked),
		gpu.D("CB", convDataCB), gpu.D("PB", convDataPB), s1)
	l.filter = d.MustProgram("conv2d_bwd_filter", wg, gpu.D("BLOCKED", blocked),
		gpu.D("KB", convFilterKB), gpu.D("JB", convFilterJB(l.KW)), s1, gpu.D("DYV", dyVector(l.ow)))
	l.pack = d.MustProgram("conv2d_pack", gpu.D("WG", convWG))
	l.biasBk = d.MustProgram("bias_bwd", gpu.D("WG", convWG))
	l.reduce = d.MustProgram("reduce_slices", gpu.D("WG", convWG))
}

func (l *Conv2D) compileVec() {
	d := l.dev
	f, dd := l.packSizes()
	wg, hw := gpu.D("WG", blockedWG(d)), []gpu.Define{gpu.D("HD", l.h), gpu.D("WD", l.w)}
	conv := func(name string, kb int, bias bool, ubo bool, n int) *gpu.Program {
		return d.MustProgram(name, append(hw, wg, gpu.D("BLOCKED", 2), gpu.D("KB", kb), gpu.D("PV", convVecPV),
			gpu.D("HAS_BIAS", bit(bias)), gpu.D("WUBO", bit(ubo)), gpu.D("WN", n/4))...)
	}
	l.fwd = conv("conv2d_fwd", vecKB(l.OutC), l.Bias, l.uboF, f)
	l.data = conv("conv2d_bwd_data", vecKB(l.c), false, l.uboD, dd)
	l.filter = d.MustProgram("conv2d_bwd_filter", append(hw, wg, gpu.D("BLOCKED", 2), gpu.D("KB", convVecFilterKB))...)
	l.pack = d.MustProgram("conv2d_pack", gpu.D("WG", convWG))
	l.biasBk = d.MustProgram("bias_bwd", gpu.D("WG", convWG))
	l.reduce = d.MustProgram("reduce_slices", gpu.D("WG", convWG))
}

// vecKB is the channel block of a vec forward kernel producing k
// channels: convVecKB, or k rounded up to 4 when that is fewer.
func vecKB(k int) int { return min(convVecKB, divUp(k, 4)*4) }

// weights returns the packed weights for binding 4 of a vec kernel.
func (l *Conv2D) weights(b *gpu.Buffer[float32], ubo bool) gpu.Storage {
	if ubo {
		return l.dev.AsUniformBlock(b)
	}
	return b
}

// dyVector is the vector width conv2d_bwd_filter reads dy rows with.
func dyVector(ow int) int {
	switch {
	case ow%4 == 0:
		return 4
	case ow%2 == 0:
		return 2
	}
	return 1
}

// maxSlices bounds slices(n) for every batch n up to the largest.
func (l *Conv2D) maxSlices() int {
	if l.kern == 2 {
		return max(min(l.n, divUp(convVecInvocations[!gpuShaped(l.dev)], l.c*divUp(l.OutC, convVecFilterKB))),
			divUp(l.n, max(1, convMaxSlicePixels/(l.oh*l.ow))))
	}
	return l.slices(l.n)
}

// slices is the number of batch slices the dw and db sums are split into
// at batch n: one for the direct kernels (one invocation per dw element
// sums everything); for the vec kernels enough (slice, c, channel block)
// invocations to fill the device (convVecInvocations); for the blocked
// ones enough that each invocation sums about convFilterSlice output
// pixels.
func (l *Conv2D) slices(n int) int {
	switch l.kern {
	case 0:
		// One dispatch per slice, each summing at most convMaxSlicePixels
		// output pixels per invocation: llvmpipe stops any invocation's
		// loops after 65535 iterations in all (gallivm's loop limiter).
		per := max(1, convMaxSlicePixels/(l.oh*l.ow))
		return divUp(n, per)
	case 2:
		inv := l.c * divUp(l.OutC, convVecFilterKB)
		ns := min(n, divUp(convVecInvocations[!gpuShaped(l.dev)], inv))
		// The db sum loops over every pixel of a slice: keep it well under
		// llvmpipe's 65535 loop iterations per invocation.
		ns = max(ns, divUp(n, max(1, convMaxSlicePixels/(l.oh*l.ow))))
		return divUp(n, divUp(n, ns))
	}
	per := max(1, convFilterSlice/(l.oh*l.ow)) // samples per slice
	return (n + per - 1) / per
}

func (l *Conv2D) uniforms(n int) []gpu.Uniform {
	return []gpu.Uniform{gpu.U("N", n), gpu.U("C", l.c), gpu.U("H", l.h), gpu.U("W", l.w),
		gpu.U("K", l.OutC), gpu.U("KH", l.KH), gpu.U("KW", l.KW), gpu.U("S", l.Stride), gpu.U("P", l.Pad),
		gpu.U("OH", l.oh), gpu.U("OW", l.ow)}
}

// Forward computes y = conv(x, weight) + bias.
func (l *Conv2D) Forward(x *Tensor, m Mode) *Tensor {
	n := batchOf("conv", x, []int{l.c, l.h, l.w}, l.n)
	l.x = x
	bufs := []gpu.Storage{x.Buf, l.weight.Value.Buf, l.y.Buf}
	if l.Bias {
		bufs = append(bufs, l.bias.Value.Buf)
	}
	if l.kern == 2 {
		if !l.Bias {
			bufs = append(bufs, l.y.Buf) // binding 3 unused
		}
		l.packWeights(0, l.packF, vecKB(l.OutC))
		bufs[1] = x.Buf // binding 1 unused
		bufs = append(bufs, l.weights(l.packF, l.uboF))
		l.dev.Dispatch(l.fwd, l.vecGrid(n, l.OutC), bufs, gpu.U("N", n), gpu.U("C", l.c), gpu.U("K", l.OutC))
		return l.y.View(n, l.OutC, l.oh, l.ow)
	}
	if l.kern == 1 {
		if !l.Bias {
			bufs = append(bufs, l.weight.Value.Buf) // binding 3 unused
		}
		l.packWeights(0, l.packF, convFwdKB)
		bufs = append(bufs, l.packF)
	}
	l.dev.Dispatch(l.fwd, l.fwdGrid(n), bufs, l.uniforms(n)...)
	return l.y.View(n, l.OutC, l.oh, l.ow)
}

// packWeights writes the weights in the layout of conv2d_pack.comp's mode,
// the packed channel count rounded up to block.
func (l *Conv2D) packWeights(mode int, dst *gpu.Buffer[float32], block int) {
	taps := l.KH * l.KW
	a, b := l.c, l.OutC
	if mode != 0 {
		a, b = l.OutC, l.c
	}
	bp := divUp(b, block) * block
	l.dev.Dispatch(l.pack, gpu.Grid1(a*taps*bp), []gpu.Storage{l.weight.Value.Buf, dst},
		gpu.U("K", l.OutC), gpu.U("C", l.c), gpu.U("T", taps), gpu.U("Bp", bp), gpu.U("mode", mode))
}

// vecGrid is the grid of the vec forward kernel producing k channels.
func (l *Conv2D) vecGrid(n, k int) gpu.Grid {
	return gpu.Grid2(n*divUp(l.h*l.w/4, convVecPV), divUp(k, vecKB(k)))
}

func (l *Conv2D) fwdGrid(n int) gpu.Grid {
	if l.kern == 1 {
		return gpu.Grid2(n*l.oh*divUp(l.ow, convFwdPB), divUp(l.OutC, convFwdKB))
	}
	return gpu.Grid1(n * l.OutC * l.oh * l.ow)
}

func (l *Conv2D) dataGrid(n int) gpu.Grid {
	if l.kern == 1 {
		return gpu.Grid2(n*l.h*divUp(l.w, convDataPB), divUp(l.c, convDataCB))
	}
	return gpu.Grid1(n * l.c * l.h * l.w)
}

// Backward adds dL/dweight and dL/dbias into the gradients and returns
// dL/dx when needDX.
func (l *Conv2D) Backward(dy *Tensor, needDX bool) *Tensor {
	n := batchOf("conv backward", dy, []int{l.OutC, l.oh, l.ow}, l.n)
	if l.x == nil || l.x.Shape[0] != n {
		panic(fmt.Sprintf("layers: conv: Backward of batch %d after Forward of %v", n, l.x))
	}
	us := l.uniforms(n)
	ns := l.slices(n)
	ckk := l.c * l.KH * l.KW
	if l.kern == 2 {
		per := divUp(n, ns)
		ns = divUp(n, per)
		dst := l.weight.Grad.Buf
		if ns > 1 {
			dst = l.partial
		}
		l.dev.Dispatch(l.filter, gpu.Grid2(ns*l.c, divUp(l.OutC, convVecFilterKB)),
			[]gpu.Storage{l.x.Buf, dy.Buf, dst},
			gpu.U("N", n), gpu.U("C", l.c), gpu.U("K", l.OutC), gpu.U("SL", per), gpu.U("NS", ns), gpu.U("accum", bit(ns == 1)))
		if ns > 1 {
			l.dev.Dispatch(l.reduce, gpu.Grid1(l.OutC*ckk), []gpu.Storage{l.partial, l.weight.Grad.Buf},
				gpu.U("n", l.OutC*ckk), gpu.U("slices", ns))
		}
	} else if l.kern == 1 {
		per := divUp(n, ns)
		dst := l.weight.Grad.Buf
		if ns > 1 {
			dst = l.partial
		}
		jb := convFilterJB(l.KW)
		l.dev.Dispatch(l.filter, gpu.Grid2(ns*l.c*l.KH*divUp(l.KW, jb), divUp(l.OutC, convFilterKB)),
			[]gpu.Storage{l.x.Buf, dy.Buf, dst, dy.Buf},
			append(us, gpu.U("SL", per), gpu.U("NS", ns), gpu.U("accum", bit(ns == 1)))...)
		if ns > 1 {
			l.dev.Dispatch(l.reduce, gpu.Grid1(l.OutC*ckk), []gpu.Storage{l.partial, l.weight.Grad.Buf},
				gpu.U("n", l.OutC*ckk), gpu.U("slices", ns))
		}
	} else {
		per := divUp(n, ns)
		for n0 := 0; n0 < n; n0 += per { // slices in order: deterministic
			l.dev.Dispatch(l.filter, gpu.Grid1(l.OutC*ckk), []gpu.Storage{l.x.Buf, dy.Buf, l.weight.Grad.Buf},
				append(us, gpu.U("N0", n0), gpu.U("N1", min(n, n0+per)))...)
		}
	}
	if l.Bias {
		biasBackward(l.dev, l.biasBk, l.reduce, dy.Buf, l.bias.Grad.Buf, l.partial, n, l.OutC, l.oh*l.ow, ns)
	}
	if !needDX {
		return nil
	}
	l.backwardData(dy, n)
	return l.dx.View(n, l.c, l.h, l.w)
}

func (l *Conv2D) backwardData(dy *Tensor, n int) {
	if l.kern == 2 {
		l.packWeights(2, l.packD, vecKB(l.c))
		l.dev.Dispatch(l.data, l.vecGrid(n, l.c), []gpu.Storage{dy.Buf, dy.Buf, l.dx.Buf, dy.Buf, l.weights(l.packD, l.uboD)},
			gpu.U("N", n), gpu.U("C", l.OutC), gpu.U("K", l.c))
		return
	}
	bufs := []gpu.Storage{dy.Buf, l.weight.Value.Buf, l.dx.Buf}
	if l.kern == 1 {
		l.packWeights(1, l.packD, convDataCB)
		bufs = append(bufs, l.packD)
	}
	l.dev.Dispatch(l.data, l.dataGrid(n), bufs, l.uniforms(n)...)
}

// biasBackward adds db[k] = sum_{n,p} dy[n,k,p] (dy of shape (n,k,hw)) into
// db, in ns batch slices summed by reduce into partial when ns > 1.
func biasBackward(d *gpu.Device, bias, reduce *gpu.Program, dy, db, partial *gpu.Buffer[float32], n, k, hw, ns int) {
	per := divUp(n, ns)
	ns = divUp(n, per)
	dst := db
	if ns > 1 {
		dst = partial
	}
	d.Dispatch(bias, gpu.Grid2(k, ns), []gpu.Storage{dy, dst},
		gpu.U("N", n), gpu.U("K", k), gpu.U("HW", hw), gpu.U("SL", per), gpu.U("accum", bit(ns == 1)))
	if ns > 1 {
		d.Dispatch(reduce, gpu.Grid1(k), []gpu.Storage{partial, db}, gpu.U("n", k), gpu.U("slices", ns))
	}
}

// Params returns weight and, with a bias, bias.
func (l *Conv2D) Params() []*Param {
	if l.Bias {
		return []*Param{l.weight, l.bias}
	}
	return []*Param{l.weight}
}

// Costs counts 2 FLOPs per multiply-add over the whole kernel window,
// padding included (the usual convention), and each tensor once.
func (l *Conv2D) Costs(n int) map[string]Cost {
	const f = 4 // bytes per float32
	ckk := int64(l.c * l.KH * l.KW)
	k := int64(l.OutC)
	x := int64(n * l.c * l.h * l.w)
	y := int64(n) * k * int64(l.oh*l.ow)
	macs := y * ckk
	costs := map[string]Cost{
		"conv2d_fwd":        {FLOPs: 2 * macs, Bytes: f * (x + k*ckk + y)},
		"conv2d_bwd_data":   {FLOPs: 2 * macs, Bytes: f * (y + k*ckk + x)},
		"conv2d_bwd_filter": {FLOPs: 2 * macs, Bytes: f * (x + y + 2*k*ckk)},
	}
	if l.Bias {
		c := costs["conv2d_fwd"]
		c.FLOPs += y
		c.Bytes += f * k
		costs["conv2d_fwd"] = c
		costs["bias_bwd"] = Cost{FLOPs: y, Bytes: f * (y + 2*k)}
	}
	if l.kern != 0 {
		// Both repacks (forward and input gradient); no arithmetic.
		pf, pd := l.packSizes()
		packed := int64(pf + pd)
		costs["conv2d_pack"] = Cost{Bytes: f * (2*k*ckk + packed)}
	}
	if ns := int64(l.slices(n)); ns > 1 {
		m := k * ckk
		if l.Bias {
			m += k
		}
		costs["reduce_slices"] = Cost{FLOPs: ns * m, Bytes: f * (ns*m + 2*m)}
	}
	return costs
}

// Release frees every buffer; idempotent.
func (l *Conv2D) Release() {
	for _, p := range []*Param{l.weight, l.bias} {
		if p != nil {
			releaseAll(p.Value, p.Grad)
		}
	}
	releaseAll(l.y, l.dx)
	for _, b := range []*gpu.Buffer[float32]{l.partial, l.packF, l.packD} {
		b.Release()
	}
	l.weight, l.bias, l.y, l.dx, l.x = nil, nil, nil, nil, nil
	l.partial, l.packF, l.packD = nil, nil, nil
}

func divUp(a, b int) int { return (a + b - 1) / b }

func bit(b bool) int {
	if b {
		return 1
	}
	return 0
}
