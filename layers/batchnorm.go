package layers

import (
	"fmt"

	"github.com/glcnn/glcnn/gpu"
)

// Batch-norm hyper-parameters, PyTorch's defaults.
const (
	BNMomentum = 0.1
	BNEps      = 1e-5
)

// BatchNorm is PyTorch's BatchNorm2d over (C,H,W) inputs — statistics per
// channel over N, H and W — and BatchNorm1d over (F) or (C,L) inputs —
// per feature over N (and L). Training mode normalises with the batch mean
// and biased variance and updates the running statistics with the unbiased
// variance and momentum 0.1; eval mode uses the running statistics.
//
// Followed by a ReLU, it can apply it too (FuseNext): y = max(bn(x), 0),
// and its backward masks dy where y is 0, which saves the ReLU's passes
// over memory and computes the same bits.
//
// The per-channel reductions run in two stages — serial sums over segments
// of the batch, then a fixed-order combination of the segments — so results
// are deterministic and no atomics are used.
type BatchNorm struct {
	// NumBatchesTracked counts training-mode forward passes, like PyTorch's
	// num_batches_tracked buffer (saved by checkpoints; momentum is fixed,
	// so nothing reads it).
	NumBatchesTracked int64

	dims int // 1 or 2: which PyTorch module this is
	d    *gpu.Device
	c    int
	hw   int
	v    int // vector width of the partial kernels: 4 (vec4) when hw%4 == 0
	ve   int // and of the elementwise ones: 4 when c*hw%4 == 0 and hw >= 4
	in   []int

	maxBatch, n int
	trained     bool // the last Forward was in training mode
	relu        bool // a fused ReLU follows: y = max(bn(x), 0)
	x           *Tensor
	y, dx       *Tensor
	params      []*Param
	// Per-channel mean and invstd of the last training batch, the (C,P,2)
	// partial sums, and the backward's (dbeta, dgamma) of this batch.
	mean, invstd, partial, sums *Tensor

	fwdPartial, fwdStats, fwd, bwdPartial, bwdReduce, bwd *gpu.Program
}

var (
	_ Layer = (*BatchNorm)(nil)
	_ Fuser = (*BatchNorm)(nil)
)

// NewBatchNorm2D returns PyTorch's BatchNorm2d for (C,H,W) inputs.
func NewBatchNorm2D() *BatchNorm { return &BatchNorm{dims: 2} }

// NewBatchNorm1D returns PyTorch's BatchNorm1d for (F) or (C,L) inputs.
func NewBatchNorm1D() *BatchNorm { return &BatchNorm{dims: 1} }

// Kind returns "bn" (both 1-D and 2-D: the input shape tells them apart).
func (l *BatchNorm) Kind() string { return "bn" }

// FuseNext fuses a following ReLU (see Fuser): the batch norm's kernels
// apply it (batchnorm_relu_fwd, batchnorm_relu_bwd_partial,
// batchnorm_relu_bwd) and the ReLU becomes a view. Any other layer, or a
// second ReLU, is not fused. It panics when either layer is already set up.
func (l *BatchNorm) FuseNext(next Layer) bool {
	r, ok := next.(*ReLU)
	if !ok || l.relu { // a second ReLU would be right too, but is no gain to fuse
		return false
	}
	if l.d != nil || r.dev != nil {
		panic("layers: bn: FuseNext after Setup")
	}
	l.relu, r.view = true, true
	return true
}

// kernel names the kernel of a pass ("fwd", "bwd_partial", "bwd"): with a
// fused ReLU its batchnorm_relu_ variant.
func (l *BatchNorm) kernel(pass string) string {
	if l.relu {
		return "batchnorm_relu_" + pass
	}
	return "batchnorm_" + pass
}

// Setup allocates the parameters — weight (γ, 1), bias (β, 0),
// running_mean (0), running_var (1) — and buffers for batches up to
// maxBatch; the output shape is the input shape.
func (l *BatchNorm) Setup(d *gpu.Device, in []int, maxBatch int) ([]int, error) {
	if (l.dims == 2 && len(in) != 3) || (l.dims == 1 && len(in) != 1 && len(in) != 2) || Numel(in) <= 0 {
		return nil, fmt.Errorf("layers: bn: BatchNorm%dd cannot take input %v", l.dims, in)
	}
	l.Release()
	l.d, l.maxBatch, l.in = d, maxBatch, append([]int(nil), in...)
	l.c, l.hw = in[0], Numel(in[1:])
	shape := append([]int{maxBatch}, in...)
	c := l.c
	var err error
	alloc := func(shape ...int) *Tensor {
		if err != nil {
			return nil
		}
		var t *Tensor
		t, err = NewTensor(d, shape...)
		return t
	}
	l.y, l.dx = alloc(shape...), alloc(shape...)
	l.mean, l.invstd, l.sums = alloc(c), alloc(c), alloc(2, c)
	l.partial = alloc(c, bnMaxSegments, 2)
	l.params = []*Param{
		{Name: "weight", Value: alloc(c), Grad: alloc(c)},
		{Name: "bias", Value: alloc(c), Grad: alloc(c)},
		{Name: "running_mean", Value: alloc(c)},
		{Name: "running_var", Value: alloc(c)},
	}
	if err != nil {
		l.Release()
		return nil, fmt.Errorf("layers: bn: %w", err)
	}
	l.params[0].Value.Buf.Fill(1)
	l.params[3].Value.Buf.Fill(1)
	l.NumBatchesTracked = 0
	// Four values at a time (vec4) when a channel's plane allows it.
	l.v = 1
	if l.hw%4 == 0 {
		l.v = 4
	}
	// The elementwise kernels read a sample's values four at a time where
	// four consecutive values span at most two planes.
	l.ve = 1
	if l.c*l.hw%4 == 0 && l.hw >= 4 {
		l.ve = 4
	}
	vec, vecE := gpu.D("V", l.v), gpu.D("V", l.ve)
	k := programs{d: d, op: "bn"}
	l.fwdPartial = k.get("batchnorm_fwd_partial", vec)
	l.fwdStats = k.get("batchnorm_fwd_stats")
	l.fwd = k.get(l.kernel("fwd"), vecE)
	l.bwdPartial = k.get(l.kernel("bwd_partial"), vec)
	l.bwdReduce = k.get("batchnorm_bwd_reduce")
	l.bwd = k.get(l.kernel("bwd"), vecE)
	if k.err != nil {
		l.Release()
		return nil, k.err
	}
	return append([]int(nil), in...), nil
}

// quads is the number of quads of samples in a batch of n: the elementwise
// kernels (batchnorm_fwd, batchnorm_bwd and their _relu_ variants) run one
// invocation per quad of samples and V offsets of a sample, so that a
// channel's values are loaded once (or twice) for 4*V elements whatever the
// plane size.
func quads(n int) int { return (n + 3) / 4 }

// bnMaxSegments bounds the number of stage-1 segments per channel.
const bnMaxSegments = 1024

// segments splits the m values of a channel into p segments of l: at least
// 256 values each, at most bnMaxSegments segments, l a multiple of v (the
// vector width of the kernels; m is one too). It depends on the shape only,
// so the summation order is fixed for a given shape.
func segments(m, v int) (p, l int) {
	l = max(256, (m+bnMaxSegments-1)/bnMaxSegments)
	l = (l + v - 1) / v * v
	return (m + l - 1) / l, l
}

// Forward normalises x (N, in...) with the batch statistics (training mode,
// which also updates the running statistics and NumBatchesTracked) or the
// running statistics (eval mode), and clamps at 0 with a fused ReLU. In training mode it panics when a channel
// has a single value (N*HW = 1), as PyTorch refuses to as well.
func (l *BatchNorm) Forward(x *Tensor, m Mode) *Tensor {
	l.n = batchOf("bn", x, l.in, l.maxBatch)
	l.x, l.trained = x, m.Train
	w, b := l.params[0].Value.Buf, l.params[1].Value.Buf
	rm, rv := l.params[2].Value.Buf, l.params[3].Value.Buf
	shape := []gpu.Uniform{gpu.U("N", l.n), gpu.U("C", l.c), gpu.U("HW", l.hw), gpu.U("CHW", l.c*l.hw/l.ve), gpu.U("eps", BNEps)}
	if !m.Train {
		l.d.Dispatch(l.fwd, gpu.Grid1(quads(l.n)*l.c*l.hw/l.ve), gpu.Bindings{0: x.Buf, 1: l.y.Buf, 2: w, 3: b, 4: rm, 5: rv},
			append(shape, gpu.U("fromVar", 1))...)
		return l.y.View(append([]int{l.n}, l.in...)...)
	}
	mm := l.n * l.hw
	if mm < 2 {
		panic(fmt.Sprintf("layers: bn: training needs more than 1 value per channel, got input %v", x.Shape))
	}
	p, segLen := segments(mm, l.v)
	seg := []gpu.Uniform{gpu.U("C", l.c), gpu.U("M", mm/l.v), gpu.U("P", p), gpu.U("L", segLen/l.v)}
	l.d.Dispatch(l.fwdPartial, gpu.Grid1(l.c*p), gpu.Bindings{0: x.Buf, 1: l.partial.Buf}, append(seg, gpu.U("HW", l.hw/l.v))...)
	l.d.Dispatch(l.fwdStats, gpu.Grid1(l.c), gpu.Bindings{0: l.partial.Buf, 1: l.mean.Buf, 2: l.invstd.Buf, 3: rm, 4: rv},
		append(seg[:1:1], gpu.U("M", mm), gpu.U("P", p), gpu.U("L", segLen), gpu.U("invM", 1/float64(mm)), gpu.U("unbias", float64(mm)/float64(mm-1)),
			gpu.U("eps", BNEps), gpu.U("momentum", BNMomentum), gpu.U("update", 1))...)
	l.NumBatchesTracked++
	l.d.Dispatch(l.fwd, gpu.Grid1(quads(l.n)*l.c*l.hw/l.ve), gpu.Bindings{0: x.Buf, 1: l.y.Buf, 2: w, 3: b, 4: l.mean.Buf, 5: l.invstd.Buf},
		append(shape, gpu.U("fromVar", 0))...)
	return l.y.View(append([]int{l.n}, l.in...)...)
}

// Backward adds dγ and dβ to the parameter gradients and returns dx through
// the batch statistics of the last Forward, which must have been in
// training mode (it panics otherwise). The input of that Forward must still
// hold its values. With a fused ReLU, dy is the gradient of the ReLU's
// output, taken as 0 where the output is 0 (as ReLU's Backward does).
func (l *BatchNorm) Backward(dy *Tensor, needDX bool) *Tensor {
	if !l.trained || l.x == nil {
		panic("layers: bn: Backward without a training-mode Forward")
	}
	if dy.Len() != l.n*l.c*l.hw {
		panic(fmt.Sprintf("layers: bn: dy %v after a forward of batch %d", dy.Shape, l.n))
	}
	mm := l.n * l.hw
	p, segLen := segments(mm, l.v)
	partial := gpu.Bindings{0: l.x.Buf, 1: dy.Buf, 2: l.mean.Buf, 3: l.partial.Buf}
	if l.relu {
		partial = append(partial, l.y.Buf) // 4: the mask, the last Forward's output
	}
	l.d.Dispatch(l.bwdPartial, gpu.Grid1(l.c*p), partial,
		gpu.U("C", l.c), gpu.U("HW", l.hw/l.v), gpu.U("M", mm/l.v), gpu.U("P", p), gpu.U("L", segLen/l.v))
	l.d.Dispatch(l.bwdReduce, gpu.Grid1(l.c), gpu.Bindings{0: l.partial.Buf, 1: l.invstd.Buf, 2: l.sums.Buf,
		3: l.params[0].Grad.Buf, 4: l.params[1].Grad.Buf}, gpu.U("C", l.c), gpu.U("P", p))
	if !needDX {
		return nil
	}
	bwd := gpu.Bindings{0: l.x.Buf, 1: dy.Buf, 2: l.params[0].Value.Buf,
		3: l.mean.Buf, 4: l.invstd.Buf, 5: l.sums.Buf, 6: l.dx.Buf}
	if l.relu {
		bwd = append(bwd, l.y.Buf) // 7: the mask
	}
	l.d.Dispatch(l.bwd, gpu.Grid1(quads(l.n)*l.c*l.hw/l.ve), bwd, gpu.U("N", l.n), gpu.U("C", l.c),
		gpu.U("HW", l.hw), gpu.U("CHW", l.c*l.hw/l.ve), gpu.U("invM", 1/float64(mm)))
	return l.dx.View(append([]int{l.n}, l.in...)...)
}

// Params returns weight, bias, running_mean, running_var (state_dict
// order); the running statistics have no Grad. Nil before Setup.
func (l *BatchNorm) Params() []*Param { return l.params }

// Costs reports the kernels of a training step at batch n (the eval forward
// is batchnorm_fwd, or batchnorm_relu_fwd, alone). A fused ReLU adds a
// compare per element to the forward and to each backward kernel that
// reads dy, and a read of y to the latter.
func (l *BatchNorm) Costs(n int) map[string]Cost {
	c := int64(l.c)
	m := int64(n * l.hw)
	p, _ := segments(n*l.hw, l.v)
	total := c * m
	parts := c * int64(p) * 2
	var relu int64 // elements: one compare, and y read by the backward
	if l.relu {
		relu = total
	}
	return map[string]Cost{
		"batchnorm_fwd_partial": {FLOPs: 4 * total, Bytes: 4 * (total + parts)},
		"batchnorm_fwd_stats":   {FLOPs: 6*parts + 12*c, Bytes: 4 * (parts + 6*c)},
		l.kernel("fwd"):         {FLOPs: 4*total + relu, Bytes: 4 * (2*total + 4*c)},
		l.kernel("bwd_partial"): {FLOPs: 4*total + relu, Bytes: 4 * (2*total + relu + parts + c)},
		"batchnorm_bwd_reduce":  {FLOPs: parts + 3*c, Bytes: 4 * (parts + 7*c)},
		l.kernel("bwd"):         {FLOPs: 8*total + relu, Bytes: 4 * (3*total + relu + 5*c)},
	}
}

// Release frees every buffer, parameters included; idempotent.
func (l *BatchNorm) Release() {
	releaseAll(l.y, l.dx, l.mean, l.invstd, l.partial, l.sums)
	for _, p := range l.params {
		releaseAll(p.Value, p.Grad)
	}
	l.y, l.dx, l.mean, l.invstd, l.partial, l.sums, l.params, l.x = nil, nil, nil, nil, nil, nil, nil, nil
}
