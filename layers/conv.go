package layers

import (
	"fmt"

	"github.com/glcnn/glcnn/gpu"
)

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
const (
	convVecKB, convVecPV = 8, 2
	convVecFilterKB      = 8
	// How many dw invocations the vec kernel's batch slices aim at: enough
	// lanes for a software renderer's threads, or a GPU's.
	convVecInvocationsSoftware, convVecInvocationsGPU = 512, 16384
)

// tuning overrides, on one layer, dispatch choices that Conv2D and Linear
// otherwise make from the device; the zero value overrides nothing. Tests
// set it to run on a software renderer the configurations a GPU gets and
// the fallbacks their small shapes never reach — on that layer alone, so
// no package state changes and tests may run in parallel.
type tuning struct {
	// gpuShapes chooses workgroup sizes and slice counts for a GPU on a
	// software renderer too (gpu_shapes_test.go).
	gpuShapes bool
	// storageWeights keeps the vec conv kernels' packed weights in a
	// storage buffer when they would fit a uniform block: the path taken
	// by weights past GL_MAX_UNIFORM_BLOCK_SIZE.
	storageWeights bool
	// vecInvocations, when positive, is the number of dw invocations the
	// vec conv kernel's batch slices aim at, on any device.
	vecInvocations int
	// scalarLinear runs a blocked Linear's scalar kernels at every In (it
	// otherwise runs the vec kernels when In % 4 == 0).
	scalarLinear bool
	// linearSlice, when positive, replaces linearFilterSlice.
	linearSlice int
}

// gpuShaped reports whether the layer shapes its dispatches for a GPU.
func (t tuning) gpuShaped(d *gpu.Device) bool { return t.gpuShapes || !d.Info().Software }

// blockedWG is the workgroup size of the blocked and vec kernels: small on
// a software renderer, where the BenchmarkConv2D* benchmarks measured 8-16
// up to twice as fast as 64; a GPU wants full warps.
func (t tuning) blockedWG(d *gpu.Device) int {
	if !t.gpuShaped(d) {
		return 16
	}
	return 64
}

// convFilterJB is the number of kernel columns a dw invocation owns; with
// convFilterKB it keeps the accumulators within two arrays of 32 floats,
// which llvmpipe holds in registers (a larger array goes to memory, 6x
// slower).
func convFilterJB(kw int) int { return min(kw, 64/convFilterKB) }

// weightPacking is a layout of conv weights repacked by conv2d_pack.comp
// for the blocked and vec kernels.
type weightPacking int

const (
	// packForward puts the output channel innermost: wp[(c*T + t)*Kp + k]
	// (blocked and vec forward).
	packForward weightPacking = iota
	// packInput puts the input channel innermost: wp[(k*T + t)*Cp + c]
	// (blocked input gradient).
	packInput
	// packInputFlipped is packInput with the taps reversed (vec input
	// gradient: a convolution with the flipped, transposed weights).
	packInputFlipped
)

// Conv2D is a 2-D convolution over NCHW input (PyTorch Conv2d with
// groups=1, dilation=1): weight (OutC, C, KH, KW), optional bias (OutC),
// symmetric zero padding Pad, the same Stride along both axes.
type Conv2D struct {
	OutC, KH, KW, Stride, Pad int
	Bias                      bool
	// Variant selects the kernels (VariantDirect, VariantBlocked,
	// VariantVec or VariantWinograd); empty means DefaultConvVariant. Set
	// it before Setup.
	Variant Variant

	dev  *gpu.Device
	tune tuning // tests' overrides of the device's defaults
	// kernels is the variant Setup chose: Variant, except that vec and
	// winograd run the blocked kernels on shapes their kernels do not
	// handle.
	kernels                   Variant
	uboF, uboD                bool // vec: packed weights in a uniform block
	n, c, h, w, oh, ow        int  // n: the largest batch
	weight, bias              *Param
	y, dx                     *Tensor
	partial                   *gpu.Buffer[float32] // per-slice dw and db sums
	packF, packD              *gpu.Buffer[float32] // weights packed for the blocked and vec kernels
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

// Setup allocates for input (C,H,W) and batches up to maxBatch, and
// compiles the kernels; it returns an error for an impossible shape, an
// unknown Variant, a buffer past the device's limits or a kernel the
// driver does not compile.
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
	l.dev = d
	l.n, l.c, l.h, l.w = maxBatch, in[0], in[1], in[2]
	l.oh = (l.h+2*l.Pad-l.KH)/l.Stride + 1
	l.ow = (l.w+2*l.Pad-l.KW)/l.Stride + 1
	l.kernels = v
	if v == VariantVec && !l.vecShape() || v == VariantWinograd && !l.winogradShape() {
		l.kernels = VariantBlocked
	}
	if err := l.alloc(); err != nil {
		l.Release()
		return nil, err
	}
	if err := l.compile(); err != nil {
		l.Release()
		return nil, err
	}
	return []int{l.OutC, l.oh, l.ow}, nil
}

// vecShape reports whether the vec kernels handle the layer's shape. (The
// forward kernel's divmod, conv2d.glsl, needs batch indices and rows
// below 2^21.)
func (l *Conv2D) vecShape() bool {
	return l.Stride == 1 && l.KH == 3 && l.KW == 3 && l.Pad == 1 && l.h*l.w%4 == 0 && l.w >= 4 &&
		l.n < 1<<21 && l.h < 1<<21
}

// packSizes is the floats of the forward and input-gradient weight packs'
// buffers (vec's rounded up for a uniform block: vecUBOFloats).
func (l *Conv2D) packSizes() (int, int) {
	if l.kernels == VariantWinograd {
		return l.winogradPackSizes()
	}
	taps := l.KH * l.KW
	if l.kernels == VariantVec {
		kb, cb := vecKB(l.OutC), vecKB(l.c)
		f, d := l.c*taps*divUp(l.OutC, kb)*kb, l.OutC*taps*divUp(l.c, cb)*cb
		return l.vecUBOFloats(f), l.vecUBOFloats(d)
	}
	return l.c * taps * divUp(l.OutC, convFwdKB) * convFwdKB, l.OutC * taps * divUp(l.c, convDataCB) * convDataCB
}

// vecUBOBytes is the least size of a buffer that holds a vec kernel's
// packed weights in a uniform block. The kernels declare the block's size
// (WN), and GL reads a block only from a bound range that backs all of it,
// so each size of the weights would be a program of its own (about a
// second of LLVM JIT each on llvmpipe); rounded up to this, and to a power
// of two above it, every layer whose weights fit shares one (the limit is
// 64 KiB on llvmpipe and zink), for 128 KiB of buffers per layer.
const vecUBOBytes = 64 << 10

// vecUBOFloats is the buffer size for n floats of a vec kernel's packed
// weights: n, or, where they go in a uniform block (alloc puts them there
// when the result fits the device's limit, which it does exactly when n
// does), n rounded up to vecUBOBytes or the power of two above, at most
// the limit.
func (l *Conv2D) vecUBOFloats(n int) int {
	lim := l.dev.Info().MaxUniformBlock &^ 15 // whole vec4s
	if l.tune.storageWeights || 4*n > lim {
		return n
	}
	b := vecUBOBytes
	for b < 4*n {
		b *= 2
	}
	return min(b, lim) / 4
}

func (l *Conv2D) alloc() error {
	a := tensorAlloc{d: l.dev}
	l.weight = &Param{Name: "weight", Value: a.get(l.OutC, l.c, l.KH, l.KW), Grad: a.get(l.OutC, l.c, l.KH, l.KW)}
	if l.Bias {
		l.bias = &Param{Name: "bias", Value: a.get(l.OutC), Grad: a.get(l.OutC)}
	}
	l.y = a.get(l.n, l.OutC, l.oh, l.ow)
	l.dx = a.get(l.n, l.c, l.h, l.w)
	if a.err != nil {
		return a.err
	}
	var err error
	if ns := l.maxSlices(); ns > 1 {
		l.partial, err = gpu.NewBuffer[float32](l.dev, ns*max(l.OutC*l.c*l.KH*l.KW, l.OutC))
	}
	if err == nil && l.kernels != VariantDirect {
		f, d := l.packSizes()
		l.packF, err = gpu.NewBuffer[float32](l.dev, f)
		if err == nil {
			l.packD, err = gpu.NewBuffer[float32](l.dev, d)
		}
		lim := l.dev.Info().MaxUniformBlock
		vec := (l.kernels == VariantVec || l.kernels == VariantWinograd) && !l.tune.storageWeights
		l.uboF, l.uboD = vec && 4*f <= lim, vec && 4*d <= lim
	}
	return err
}

// compile builds the kernels of l.kernels (conv2d_<pass>[_<variant>].comp).
func (l *Conv2D) compile() error {
	k := programs{d: l.dev, op: "conv"}
	v := l.kernels
	switch v {
	case VariantDirect:
		wg := gpu.D("WG", convWG)
		l.fwd = k.get(v.kernel("conv2d_fwd"), wg, gpu.D("HAS_BIAS", bit(l.Bias)))
		l.data = k.get(v.kernel("conv2d_bwd_data"), wg)
		l.filter = k.get(v.kernel("conv2d_bwd_filter"), wg)
	case VariantBlocked:
		wg, s1 := gpu.D("WG", l.tune.blockedWG(l.dev)), gpu.D("S1", bit(l.Stride == 1))
		l.fwd = k.get(v.kernel("conv2d_fwd"), wg, gpu.D("KB", convFwdKB), gpu.D("PB", convFwdPB), s1,
			gpu.D("HAS_BIAS", bit(l.Bias)))
		l.data = k.get(v.kernel("conv2d_bwd_data"), wg, gpu.D("CB", convDataCB), gpu.D("PB", convDataPB), s1)
		l.filter = k.get(v.kernel("conv2d_bwd_filter"), wg, gpu.D("KB", convFilterKB), gpu.D("JB", convFilterJB(l.KW)), s1,
			gpu.D("DYV", dyVector(l.ow)))
	case VariantVec:
		// The plane's size is a parameter; of it the kernels compile in
		// only w%4, which sets the windows' misalignments. WN is the
		// packed weights' buffer size, shared by layers (vecUBOFloats).
		f, dd := l.packSizes()
		wg := gpu.D("WG", l.tune.blockedWG(l.dev))
		conv := func(pass string, kb int, bias bool, ubo bool, n int) *gpu.Program {
			ds := []gpu.Define{wg, gpu.D("KB", kb), gpu.D("PV", convVecPV), gpu.D("W4", l.w%4),
				gpu.D("HAS_BIAS", bit(bias)), gpu.D("WUBO", bit(ubo))}
			if ubo {
				ds = append(ds, gpu.D("WN", n/4))
			}
			return k.get(v.kernel(pass), ds...)
		}
		l.fwd = conv("conv2d_fwd", vecKB(l.OutC), l.Bias, l.uboF, f)
		l.data = conv("conv2d_bwd_data", vecKB(l.c), false, l.uboD, dd)
		l.filter = l.vecFilterProgram(&k, wg)
	case VariantWinograd:
		return l.compileWinograd(&k)
	}
	l.pack = k.get("conv2d_pack", gpu.D("WG", convWG))
	l.biasBk = k.get("bias_bwd", gpu.D("WG", convWG))
	l.reduce = k.get("reduce_slices", gpu.D("WG", convWG))
	return k.err
}

// vecKB is the channel block of a vec forward kernel producing k
// channels: convVecKB, or k rounded up to 4 when that is fewer.
func vecKB(k int) int { return min(convVecKB, divUp(k, 4)*4) }

// vecFilterProgram is the vec weight-gradient kernel (vec's and
// winograd's) with workgroup size wg: one program for every plane whose
// width has the same w%4.
func (l *Conv2D) vecFilterProgram(k *programs, wg gpu.Define) *gpu.Program {
	return k.get(Variant(VariantVec).kernel("conv2d_bwd_filter"), wg, gpu.D("KB", convVecFilterKB), gpu.D("W4", l.w%4))
}

// weights returns the packed weights for binding 4 of a vec kernel.
func (l *Conv2D) weights(b *gpu.Buffer[float32], ubo bool) gpu.Storage {
	if ubo {
		return l.dev.AsUniformBlock(b)
	}
	return b
}

// dyVector is the vector width conv2d_bwd_filter_blocked reads dy rows
// with.
func dyVector(ow int) int {
	switch {
	case ow%4 == 0:
		return 4
	case ow%2 == 0:
		return 2
	}
	return 1
}

// vecFilterInvocations is how many dw invocations the vec kernel's batch
// slices aim at on this device.
func (l *Conv2D) vecFilterInvocations() int {
	switch {
	case l.tune.vecInvocations > 0:
		return l.tune.vecInvocations
	case l.tune.gpuShaped(l.dev):
		return convVecInvocationsGPU
	}
	return convVecInvocationsSoftware
}

// maxSlices bounds slices(n) for every batch n up to the largest.
func (l *Conv2D) maxSlices() int {
	if l.filterKernels() == VariantVec {
		return max(min(l.n, divUp(l.vecFilterInvocations(), l.c*divUp(l.OutC, convVecFilterKB))),
			divUp(l.n, max(1, convMaxSlicePixels/(l.oh*l.ow))))
	}
	return l.slices(l.n)
}

// slices is the number of batch slices the dw and db sums are split into
// at batch n: for the direct kernels enough that one invocation sums at
// most convMaxSlicePixels output pixels (one dispatch per slice); for the
// vec kernels enough (slice, c, channel block) invocations to fill the
// device (convVecInvocations); for the blocked ones enough that each
// invocation sums about convFilterSlice output pixels.
func (l *Conv2D) slices(n int) int {
	switch l.filterKernels() {
	case VariantDirect:
		// llvmpipe stops any invocation's loops after 65535 iterations in
		// all (gallivm's loop limiter).
		per := max(1, convMaxSlicePixels/(l.oh*l.ow))
		return divUp(n, per)
	case VariantVec:
		inv := l.c * divUp(l.OutC, convVecFilterKB)
		ns := min(n, divUp(l.vecFilterInvocations(), inv))
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

// biasBuf is the bias for binding 3 of the forward kernels, nil (unbound)
// without one.
func (l *Conv2D) biasBuf() gpu.Storage {
	if l.Bias {
		return l.bias.Value.Buf
	}
	return nil
}

// Forward computes y = conv(x, weight) + bias.
func (l *Conv2D) Forward(x *Tensor, m Mode) *Tensor {
	n := batchOf("conv", x, []int{l.c, l.h, l.w}, l.n)
	l.x = x
	switch l.kernels {
	case VariantDirect:
		l.dev.Dispatch(l.fwd, gpu.Grid1(n*l.OutC*l.oh*l.ow),
			gpu.Bindings{0: x.Buf, 1: l.weight.Value.Buf, 2: l.y.Buf, 3: l.biasBuf()}, l.uniforms(n)...)
	case VariantBlocked:
		l.packWeights(packForward, l.packF, convFwdKB)
		l.dev.Dispatch(l.fwd, gpu.Grid2(n*l.oh*divUp(l.ow, convFwdPB), divUp(l.OutC, convFwdKB)),
			gpu.Bindings{0: x.Buf, 2: l.y.Buf, 3: l.biasBuf(), 4: l.packF}, l.uniforms(n)...)
	case VariantVec:
		l.packWeights(packForward, l.packF, vecKB(l.OutC))
		l.dev.Dispatch(l.fwd, l.vecGrid(n, l.OutC),
			gpu.Bindings{0: x.Buf, 2: l.y.Buf, 3: l.biasBuf(), 4: l.weights(l.packF, l.uboF)},
			gpu.U("N", n), gpu.U("C", l.c), gpu.U("K", l.OutC), gpu.U("H", l.h), gpu.U("W", l.w))
	case VariantWinograd:
		l.forwardWinograd(x, n)
	}
	return l.y.View(n, l.OutC, l.oh, l.ow)
}

// packWeights writes the weights into dst in layout pk (see
// conv2d_pack.comp), the inner channel count rounded up to block.
func (l *Conv2D) packWeights(pk weightPacking, dst *gpu.Buffer[float32], block int) {
	taps := l.KH * l.KW
	// Outer channels a (stride sa in w), inner channels b (stride sb).
	a, b, sa, sb := l.c, l.OutC, taps, l.c*taps
	if pk != packForward {
		a, b, sa, sb = l.OutC, l.c, l.c*taps, taps
	}
	t0, dt := 0, 1
	if pk == packInputFlipped {
		t0, dt = taps-1, -1
	}
	bp := divUp(b, block) * block
	l.dev.Dispatch(l.pack, gpu.Grid1(a*taps*bp), gpu.Bindings{0: l.weight.Value.Buf, 1: dst},
		gpu.U("A", a), gpu.U("B", b), gpu.U("T", taps), gpu.U("Bp", bp), gpu.U("SA", sa), gpu.U("SB", sb),
		gpu.U("T0", t0), gpu.U("DT", dt))
}

// vecGrid is the grid of the vec forward kernel producing k channels.
func (l *Conv2D) vecGrid(n, k int) gpu.Grid {
	return gpu.Grid2(n*divUp(l.h*l.w/4, convVecPV), divUp(k, vecKB(k)))
}

// Backward adds dL/dweight and dL/dbias into the gradients and returns
// dL/dx when needDX.
func (l *Conv2D) Backward(dy *Tensor, needDX bool) *Tensor {
	n := batchOf("conv backward", dy, []int{l.OutC, l.oh, l.ow}, l.n)
	if l.x == nil || l.x.Shape[0] != n {
		panic(fmt.Sprintf("layers: conv: Backward of batch %d after Forward of %v", n, l.x))
	}
	ns := l.slices(n)
	l.backwardFilter(dy, n, ns)
	if l.Bias {
		biasBackward(l.dev, l.biasBk, l.reduce, dy.Buf, l.bias.Grad.Buf, l.partial, n, l.OutC, l.oh*l.ow, ns)
	}
	if !needDX {
		return nil
	}
	l.backwardData(dy, n)
	return l.dx.View(n, l.c, l.h, l.w)
}

// backwardFilter adds dL/dweight in ns batch slices: in order, one
// dispatch per slice (direct), or in one dispatch writing the slices'
// partial sums, which reduce_slices adds in order (blocked, vec).
func (l *Conv2D) backwardFilter(dy *Tensor, n, ns int) {
	per := divUp(n, ns)
	ns = divUp(n, per)
	ckk := l.c * l.KH * l.KW
	if l.kernels == VariantDirect {
		for n0 := 0; n0 < n; n0 += per { // slices in order: deterministic
			l.dev.Dispatch(l.filter, gpu.Grid1(l.OutC*ckk), gpu.Bindings{0: l.x.Buf, 1: dy.Buf, 2: l.weight.Grad.Buf},
				append(l.uniforms(n), gpu.U("N0", n0), gpu.U("N1", min(n, n0+per)))...)
		}
		return
	}
	dst := l.weight.Grad.Buf
	if ns > 1 {
		dst = l.partial
	}
	slicing := []gpu.Uniform{gpu.U("SL", per), gpu.U("NS", ns), gpu.U("accum", bit(ns == 1))}
	if l.filterKernels() == VariantVec {
		l.dev.Dispatch(l.filter, gpu.Grid2(ns*l.c, divUp(l.OutC, convVecFilterKB)),
			gpu.Bindings{0: l.x.Buf, 1: dy.Buf, 2: dst},
			append([]gpu.Uniform{gpu.U("N", n), gpu.U("C", l.c), gpu.U("K", l.OutC), gpu.U("H", l.h), gpu.U("W", l.w)},
				slicing...)...)
	} else {
		bufs := gpu.Bindings{0: l.x.Buf, 1: dy.Buf, 2: dst}
		if dyVector(l.ow) > 1 {
			bufs = gpu.Bindings{0: l.x.Buf, 1: dy.Buf, 2: dst, 3: dy.Buf} // dy again, as vectors
		}
		jb := convFilterJB(l.KW)
		l.dev.Dispatch(l.filter, gpu.Grid2(ns*l.c*l.KH*divUp(l.KW, jb), divUp(l.OutC, convFilterKB)),
			bufs, append(l.uniforms(n), slicing...)...)
	}
	if ns > 1 {
		l.dev.Dispatch(l.reduce, gpu.Grid1(l.OutC*ckk), gpu.Bindings{0: l.partial, 1: l.weight.Grad.Buf},
			gpu.U("n", l.OutC*ckk), gpu.U("slices", ns))
	}
}

func (l *Conv2D) backwardData(dy *Tensor, n int) {
	switch l.kernels {
	case VariantDirect:
		l.dev.Dispatch(l.data, gpu.Grid1(n*l.c*l.h*l.w),
			gpu.Bindings{0: dy.Buf, 1: l.weight.Value.Buf, 2: l.dx.Buf}, l.uniforms(n)...)
	case VariantBlocked:
		l.packWeights(packInput, l.packD, convDataCB)
		l.dev.Dispatch(l.data, gpu.Grid2(n*l.h*divUp(l.w, convDataPB), divUp(l.c, convDataCB)),
			gpu.Bindings{0: dy.Buf, 2: l.dx.Buf, 3: l.packD}, l.uniforms(n)...)
	case VariantVec:
		l.packWeights(packInputFlipped, l.packD, vecKB(l.c))
		l.dev.Dispatch(l.data, l.vecGrid(n, l.c), gpu.Bindings{0: dy.Buf, 2: l.dx.Buf, 4: l.weights(l.packD, l.uboD)},
			gpu.U("N", n), gpu.U("C", l.OutC), gpu.U("K", l.c), gpu.U("H", l.h), gpu.U("W", l.w))
	case VariantWinograd:
		l.backwardDataWinograd(dy, n)
	}
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
	d.Dispatch(bias, gpu.Grid2(k, ns), gpu.Bindings{0: dy, 1: dst},
		gpu.U("N", n), gpu.U("K", k), gpu.U("HW", hw), gpu.U("SL", per), gpu.U("accum", bit(ns == 1)))
	if ns > 1 {
		d.Dispatch(reduce, gpu.Grid1(k), gpu.Bindings{0: partial, 1: db}, gpu.U("n", k), gpu.U("slices", ns))
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
	if l.kernels == VariantWinograd {
		l.winogradCosts(costs)
	} else if l.kernels != VariantDirect {
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
	releaseParams(l.weight, l.bias)
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
