package layers

import (
	"fmt"

	"github.com/glcnn/glcnn/gpu"
)

// GroupedConv2D is a grouped 2-D convolution over NCHW input with a bias
// (PyTorch Conv2d with groups=Groups, dilation=1): the C input and OutC
// output channels are split into Groups equal groups, and each output
// channel sees only the C/Groups input channels of its group. Weight
// (OutC, C/Groups, K, K), bias (OutC), symmetric zero padding Pad, the same
// Stride along both axes. Groups = C = OutC is a depthwise convolution.
//
// Its kernels are direct ones (one invocation per output element, like
// Conv2D's VariantDirect), which suit the few input channels per group
// that grouped convolutions have.
type GroupedConv2D struct {
	OutC, K, Stride, Pad, Groups int

	dev                *gpu.Device
	n, c, h, w, oh, ow int // n: the largest batch
	weight, bias       *Param
	y, dx              *Tensor
	partial            *gpu.Buffer[float32] // per-slice db sums
	x                  *Tensor              // input of the last Forward
	fwd, data, filter  *gpu.Program
	biasBk, reduce     *gpu.Program
}

var _ Layer = (*GroupedConv2D)(nil)

// NewGroupedConv2D returns a grouped convolution with outC output
// channels in groups groups, a k x k kernel, the given stride and padding,
// and a bias. It panics on a non-positive size, stride or group count, a
// negative padding, or groups not dividing outC; Setup checks that they
// divide the input channels.
func NewGroupedConv2D(outC, k, stride, pad, groups int) *GroupedConv2D {
	if outC <= 0 || k <= 0 || stride <= 0 || pad < 0 || groups <= 0 || outC%groups != 0 {
		panic(fmt.Sprintf("layers: NewGroupedConv2D(%d, %d, %d, %d, %d)", outC, k, stride, pad, groups))
	}
	return &GroupedConv2D{OutC: outC, K: k, Stride: stride, Pad: pad, Groups: groups}
}

// Kind is "conv", the item's name in an arch spec.
func (l *GroupedConv2D) Kind() string { return "conv" }

// Setup allocates for input (C,H,W) and batches up to maxBatch, and
// compiles the kernels; it returns an error for an impossible shape (the
// groups not dividing C, a kernel larger than the padded input), a buffer
// past the device's limits or a kernel the driver does not compile.
func (l *GroupedConv2D) Setup(d *gpu.Device, in []int, maxBatch int) ([]int, error) {
	if len(in) != 3 || in[0] <= 0 || in[1] <= 0 || in[2] <= 0 || maxBatch <= 0 {
		return nil, fmt.Errorf("layers: grouped conv: input shape %v (want C,H,W) batch %d", in, maxBatch)
	}
	if in[0]%l.Groups != 0 {
		return nil, fmt.Errorf("layers: grouped conv: %d groups do not divide the %d input channels", l.Groups, in[0])
	}
	if in[1]+2*l.Pad < l.K || in[2]+2*l.Pad < l.K {
		return nil, fmt.Errorf("layers: grouped conv: kernel %dx%d larger than the padded input %v (pad %d)", l.K, l.K, in, l.Pad)
	}
	l.Release()
	l.dev = d
	l.n, l.c, l.h, l.w = maxBatch, in[0], in[1], in[2]
	l.oh = (l.h+2*l.Pad-l.K)/l.Stride + 1
	l.ow = (l.w+2*l.Pad-l.K)/l.Stride + 1
	if err := l.alloc(); err != nil {
		l.Release()
		return nil, err
	}
	k := programs{d: d, op: "grouped conv"}
	wg := gpu.D("WG", convWG)
	l.fwd = k.get("conv2d_grouped_fwd", wg)
	l.data = k.get("conv2d_grouped_bwd_data", wg)
	l.filter = k.get("conv2d_grouped_bwd_filter", wg)
	l.biasBk = k.get("bias_bwd", wg)
	l.reduce = k.get("reduce_slices", wg)
	if k.err != nil {
		l.Release()
		return nil, k.err
	}
	return []int{l.OutC, l.oh, l.ow}, nil
}

func (l *GroupedConv2D) alloc() error {
	a := tensorAlloc{d: l.dev}
	cg := l.c / l.Groups
	l.weight = &Param{Name: "weight", Value: a.get(l.OutC, cg, l.K, l.K), Grad: a.get(l.OutC, cg, l.K, l.K)}
	l.bias = &Param{Name: "bias", Value: a.get(l.OutC), Grad: a.get(l.OutC)}
	l.y = a.get(l.n, l.OutC, l.oh, l.ow)
	l.dx = a.get(l.n, l.c, l.h, l.w)
	if a.err != nil {
		return a.err
	}
	var err error
	if ns := l.biasSlices(l.n); ns > 1 {
		l.partial, err = gpu.NewBuffer[float32](l.dev, ns*l.OutC)
	}
	return err
}

// biasSlices is the number of batch slices bias_bwd splits db into at
// batch n, so that no invocation sums more than convMaxSlicePixels
// (llvmpipe ends an invocation's loops after 65535 iterations).
func (l *GroupedConv2D) biasSlices(n int) int {
	return divUp(n, max(1, convMaxSlicePixels/(l.oh*l.ow)))
}

// filterRows is the number of output rows (of the n*OH in a batch) one
// dispatch of the weight-gradient kernel sums: its loops then run at most
// rows*(OW+1) <= convMaxSlicePixels iterations per invocation.
func (l *GroupedConv2D) filterRows() int { return max(1, convMaxSlicePixels/(l.ow+1)) }

func (l *GroupedConv2D) uniforms(n int) []gpu.Uniform {
	return []gpu.Uniform{gpu.U("N", n), gpu.U("C", l.c), gpu.U("H", l.h), gpu.U("W", l.w),
		gpu.U("K", l.OutC), gpu.U("KH", l.K), gpu.U("KW", l.K), gpu.U("S", l.Stride), gpu.U("P", l.Pad),
		gpu.U("OH", l.oh), gpu.U("OW", l.ow), gpu.U("G", l.Groups)}
}

// Forward computes y = conv(x, weight, groups) + bias.
func (l *GroupedConv2D) Forward(x *Tensor, _ Mode) *Tensor {
	n := batchOf("grouped conv", x, []int{l.c, l.h, l.w}, l.n)
	l.x = x
	l.dev.Dispatch(l.fwd, gpu.Grid1(n*l.OutC*l.oh*l.ow),
		gpu.Bindings{0: x.Buf, 1: l.weight.Value.Buf, 2: l.y.Buf, 3: l.bias.Value.Buf}, l.uniforms(n)...)
	return l.y.View(n, l.OutC, l.oh, l.ow)
}

// Backward adds dL/dweight and dL/dbias into the gradients and returns
// dL/dx when needDX.
func (l *GroupedConv2D) Backward(dy *Tensor, needDX bool) *Tensor {
	n := batchOf("grouped conv backward", dy, []int{l.OutC, l.oh, l.ow}, l.n)
	if l.x == nil || l.x.Shape[0] != n {
		panic(fmt.Sprintf("layers: grouped conv: Backward of batch %d after Forward of %v", n, l.x))
	}
	// The weight gradient in slices of output rows, in order: deterministic.
	rows, per := n*l.oh, l.filterRows()
	for r0 := 0; r0 < rows; r0 += per {
		l.dev.Dispatch(l.filter, gpu.Grid1(l.weight.Value.Len()),
			gpu.Bindings{0: l.x.Buf, 1: dy.Buf, 2: l.weight.Grad.Buf},
			append(l.uniforms(n), gpu.U("R0", r0), gpu.U("R1", min(rows, r0+per)))...)
	}
	biasBackward(l.dev, l.biasBk, l.reduce, dy.Buf, l.bias.Grad.Buf, l.partial, n, l.OutC, l.oh*l.ow, l.biasSlices(n))
	if !needDX {
		return nil
	}
	l.dev.Dispatch(l.data, gpu.Grid1(n*l.c*l.h*l.w),
		gpu.Bindings{0: dy.Buf, 1: l.weight.Value.Buf, 2: l.dx.Buf}, l.uniforms(n)...)
	return l.dx.View(n, l.c, l.h, l.w)
}

// Params returns weight and bias.
func (l *GroupedConv2D) Params() []*Param { return []*Param{l.weight, l.bias} }

// Costs counts 2 FLOPs per multiply-add over the whole kernel window of a
// group, padding included (the usual convention), and each tensor once.
func (l *GroupedConv2D) Costs(n int) map[string]Cost {
	const f = 4 // bytes per float32
	cgkk := int64(l.c / l.Groups * l.K * l.K)
	k := int64(l.OutC)
	x := int64(n * l.c * l.h * l.w)
	y := int64(n) * k * int64(l.oh*l.ow)
	macs := y * cgkk
	costs := map[string]Cost{
		"conv2d_grouped_fwd":        {FLOPs: 2*macs + y, Bytes: f * (x + k*cgkk + k + y)},
		"conv2d_grouped_bwd_data":   {FLOPs: 2 * macs, Bytes: f * (y + k*cgkk + x)},
		"conv2d_grouped_bwd_filter": {FLOPs: 2 * macs, Bytes: f * (x + y + 2*k*cgkk)},
		"bias_bwd":                  {FLOPs: y, Bytes: f * (y + 2*k)},
	}
	if ns := int64(l.biasSlices(n)); ns > 1 {
		costs["reduce_slices"] = Cost{FLOPs: ns * k, Bytes: f * (ns*k + 2*k)}
	}
	return costs
}

// Release frees every buffer; idempotent.
func (l *GroupedConv2D) Release() {
	releaseParams(l.weight, l.bias)
	releaseAll(l.y, l.dx)
	l.partial.Release()
	l.weight, l.bias, l.y, l.dx, l.x, l.partial = nil, nil, nil, nil, nil, nil
}
