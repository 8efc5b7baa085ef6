package layers

import (
	"fmt"

	"github.com/glcnn/glcnn/layers/ref"
)

// ConvArgs are the parsed arguments of a conv item, defaults filled in.
type ConvArgs struct {
	Out, K, Stride, Pad int
}

// Params is the reference's description of the convolution at batch n on
// per-sample input in (C,H,W).
func (a ConvArgs) Params(n int, in []int) ref.Conv2DParams {
	return ref.Conv2DParams{N: n, C: in[0], H: in[1], W: in[2], K: a.Out, KH: a.K, KW: a.K, Stride: a.Stride, Pad: a.Pad}
}

// ConvOp is "conv:OUT:K[:STRIDE[:PAD]]", Conv2d with a bias.
var ConvOp = Register(Def[ConvArgs]{
	OpInfo: OpInfo{
		Name: "conv", Usage: "conv:OUT:K[:STRIDE[:PAD]]", Help: "Conv2d(in, OUT, K, STRIDE=1, PAD=K/2)",
		MinArgs: 2, MaxArgs: 4, In: Spatial, Out: Spatial,
		// winograd before blocked, though faster on llvmpipe: the
		// self-check falls back from the variants at the end first, and
		// after a failing vec the blocked kernels, which share none of the
		// vec4 plane loads and uniform-block weights that vec and winograd
		// have in common, are the likelier to pass.
		Variants:       []string{string(VariantDirect), string(VariantWinograd), string(VariantBlocked), string(VariantVec)},
		DefaultVariant: func() string { return string(DefaultConvVariant) },
		Example:        "conv:6:5:2:2",
	},
	Parse: func(args []string) (ConvArgs, error) {
		v, err := ParseInts(args)
		if err != nil {
			return ConvArgs{}, err
		}
		k := v[1]
		// PyTorch's "same" padding for odd kernels, written once here.
		return ConvArgs{Out: v[0], K: k, Stride: argOr(v, 2, 1), Pad: argOr(v, 3, k/2)}, nil
	},
	Shape: func(a ConvArgs, in []int) ([]int, error) {
		if a.Out < 1 || a.K < 1 || a.Stride < 1 {
			return nil, fmt.Errorf("channels, kernel and stride must be at least 1")
		}
		oh, ow := a.Params(1, in).OutHW()
		if in[1]+2*a.Pad < a.K || in[2]+2*a.Pad < a.K || oh < 1 || ow < 1 {
			return nil, fmt.Errorf("kernel %d is larger than the padded input", a.K)
		}
		return []int{a.Out, oh, ow}, nil
	},
	New: func(a ConvArgs, at Site) Layer {
		l := NewConv2D(a.Out, a.K, a.K, a.Stride, a.Pad, true)
		setVariant(&l.Variant, at.Variant)
		return l
	},
	Ref: func(a ConvArgs, c RefCall) (o RefOut) {
		p := a.Params(c.N, c.In)
		o.Y = ref.Conv2DForward(p, c.X, c.Params["weight"], c.Params["bias"])
		if c.Train {
			o.Grads = map[string][]float64{}
			o.DX, o.Grads["weight"], o.Grads["bias"] = ref.Conv2DBackward(p, c.X, c.Params["weight"], c.DY)
		}
		return o
	},
	Module: func(a ConvArgs, in []int) Module {
		return Module{Type: "Conv2d", Args: []any{in[0], a.Out, a.K},
			Kwargs: map[string]any{"stride": a.Stride, "padding": a.Pad}}
	},
})

// setVariant sets a layer's Variant field from a variant's name, whatever
// string type the field has.
func setVariant[V ~string](dst *V, v string) { *dst = V(v) }
