package layers

import "github.com/glcnn/glcnn/gpu"

// The Winograd variant of Conv2D: F(2x2,3x3) for 3x3 stride-1
// convolutions with padding up to 2 (conv2d_fwd_winograd.comp). The
// forward and the input gradient run the same kernel (the input gradient
// on dy with the flipped, transposed weights and padding 2-Pad); the
// weight gradient runs the vec kernel where the vec variant would
// (vecShape), else the blocked one.

// convWinoKB is the most output channels one Winograd invocation
// computes (64 accumulators each). On llvmpipe, at the default network's
// 16->32 conv, 16 was up to ~10% faster than 8 (within the noise of a
// shared machine) but took 2.4x as long to JIT (13 s of CPU against 5.5 s
// for the layer's kernels), so 8 (docs/performance.md, "Winograd").
const convWinoKB = 8

// winogradShape reports whether the Winograd kernels handle the layer's
// shape: a 3x3 kernel, stride 1, and a padding whose input gradient is
// again a convolution with non-negative padding (2 - Pad).
func (l *Conv2D) winogradShape() bool {
	return l.KH == 3 && l.KW == 3 && l.Stride == 1 && l.Pad <= 2
}

// filterKernels is the variant whose weight-gradient kernels the layer
// runs: its own, except that Winograd runs vec's or blocked's.
func (l *Conv2D) filterKernels() Variant {
	if l.kernels != VariantWinograd {
		return l.kernels
	}
	if l.vecShape() {
		return VariantVec
	}
	return VariantBlocked
}

// winoKB is the channel block of a Winograd kernel producing k channels:
// 4 or 8 (k rounded up to 4 when that is fewer).
func winoKB(k int) int { return min(convWinoKB, divUp(k, 4)*4) }

// winogradTileSizes is the floats of the forward and input-gradient U
// (16 per channel pair, the inner channels rounded up to the block).
func (l *Conv2D) winogradTileSizes() (int, int) {
	return 16 * l.c * divUp(l.OutC, winoKB(l.OutC)) * winoKB(l.OutC),
		16 * l.OutC * divUp(l.c, winoKB(l.c)) * winoKB(l.c)
}

// winogradPackSizes is the floats of the buffers of the forward and
// input-gradient U: winogradTileSizes, rounded up as vec's packs are
// where U goes in a uniform block (vecUBOFloats): the kernels declare the
// block's size (WN), so that layers of different sizes share programs.
func (l *Conv2D) winogradPackSizes() (int, int) {
	f, d := l.winogradTileSizes()
	return l.vecUBOFloats(f), l.vecUBOFloats(d)
}

// compileWinograd builds the Winograd kernels, the weight-gradient
// kernels of filterKernels and the bias and slice-reduction kernels.
func (l *Conv2D) compileWinograd(k *programs) error {
	f, dd := l.winogradPackSizes()
	wg := gpu.D("WG", l.tune.blockedWG(l.dev))
	// The plane's size and the padding are parameters; of them the kernel
	// compiles in only whether the misalignment of the window's rows is
	// constant and, if so, what sets it: w%4 and row 0's. WN is U's buffer
	// size, which layers share (winogradPackSizes).
	conv := func(pass string, kb int, bias, ubo bool, n, h, w, pad int) *gpu.Program {
		aligned := h*w%4 == 0 && w%2 == 0
		ds := []gpu.Define{wg, gpu.D("KB", kb), gpu.D("HAS_BIAS", bit(bias)), gpu.D("WUBO", bit(ubo)),
			gpu.D("ALIGNED", bit(aligned))}
		if ubo {
			ds = append(ds, gpu.D("WN", n/4))
		}
		if aligned {
			ds = append(ds, gpu.D("W4", w%4), gpu.D("S0", (-pad*(w%4+1)%4+4)%4))
		}
		return k.get(Variant(VariantWinograd).kernel(pass), ds...)
	}
	l.fwd = conv("conv2d_fwd", winoKB(l.OutC), l.Bias, l.uboF, f, l.h, l.w, l.Pad)
	l.data = conv("conv2d_bwd_data", winoKB(l.c), false, l.uboD, dd, l.oh, l.ow, 2-l.Pad)
	if fk := l.filterKernels(); fk == VariantVec {
		l.filter = l.vecFilterProgram(k, wg)
	} else {
		l.filter = k.get(fk.kernel("conv2d_bwd_filter"), wg, gpu.D("KB", convFilterKB), gpu.D("JB", convFilterJB(l.KW)),
			gpu.D("S1", 1), gpu.D("DYV", dyVector(l.ow)))
	}
	l.pack = k.get("conv2d_winograd_pack", gpu.D("WG", convWG))
	l.biasBk = k.get("bias_bwd", gpu.D("WG", convWG))
	l.reduce = k.get("reduce_slices", gpu.D("WG", convWG))
	return k.err
}

// packWinograd writes U = G g G^T of the weights into dst: forward (input
// channel outer, output inner) or, when input, for the input gradient
// (output channel outer, input inner, taps reversed).
func (l *Conv2D) packWinograd(input bool, dst *gpu.Buffer[float32]) {
	a, b, sa, sb, t0, dt := l.c, l.OutC, 9, l.c*9, 0, 1
	if input {
		a, b, sa, sb, t0, dt = l.OutC, l.c, l.c*9, 9, 8, -1
	}
	bp := divUp(b, winoKB(b)) * winoKB(b)
	l.dev.Dispatch(l.pack, gpu.Grid1(a*bp), gpu.Bindings{0: l.weight.Value.Buf, 1: dst},
		gpu.U("A", a), gpu.U("B", b), gpu.U("Bp", bp), gpu.U("SA", sa), gpu.U("SB", sb),
		gpu.U("T0", t0), gpu.U("DT", dt))
}

// winogradGrid is the grid of the Winograd kernel producing k channels
// of oh x ow planes.
func winogradGrid(n, oh, ow, k int) gpu.Grid {
	return gpu.Grid2(n*divUp(oh, 4)*divUp(ow, 4), divUp(k, winoKB(k)))
}

// forwardWinograd computes y = conv(x, weight) + bias at batch n.
func (l *Conv2D) forwardWinograd(x *Tensor, n int) {
	l.packWinograd(false, l.packF)
	l.dev.Dispatch(l.fwd, winogradGrid(n, l.oh, l.ow, l.OutC),
		gpu.Bindings{0: x.Buf, 1: x.Buf, 2: l.y.Buf, 3: l.biasBuf(), 4: l.weights(l.packF, l.uboF)},
		gpu.U("N", n), gpu.U("C", l.c), gpu.U("K", l.OutC), gpu.U("H", l.h), gpu.U("W", l.w), gpu.U("P", l.Pad))
}

// backwardDataWinograd computes dx = conv(dy padded by 2-Pad, the
// weights flipped and transposed) at batch n.
func (l *Conv2D) backwardDataWinograd(dy *Tensor, n int) {
	l.packWinograd(true, l.packD)
	l.dev.Dispatch(l.data, winogradGrid(n, l.h, l.w, l.c),
		gpu.Bindings{0: dy.Buf, 1: dy.Buf, 2: l.dx.Buf, 4: l.weights(l.packD, l.uboD)},
		gpu.U("N", n), gpu.U("C", l.OutC), gpu.U("K", l.c), gpu.U("H", l.oh), gpu.U("W", l.ow), gpu.U("P", 2-l.Pad))
}

// winogradCosts adds the filter transforms' cost (forward and input
// gradient: 42 flops per channel pair each, each tile written once) under
// conv2d_winograd_pack.
// The passes' FLOPs stay the direct convolution's (the usual convention,
// so that GFLOP/s compare across variants).
func (l *Conv2D) winogradCosts(costs map[string]Cost) {
	const f = 4
	pf, pd := l.winogradTileSizes()
	w := int64(l.OutC * l.c * 9)
	pairs := int64(l.OutC * l.c)
	costs["conv2d_winograd_pack"] = Cost{FLOPs: 2 * 42 * pairs, Bytes: f * (2*w + int64(pf+pd))}
}
