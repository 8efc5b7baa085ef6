package layers

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/glcnn/glcnn/layers/ref"
)

// GroupedConvArgs are the parsed arguments of a grouped conv item: conv's
// (its defaults filled in by ConvOp) and the group count.
type GroupedConvArgs struct {
	ConvArgs
	Groups int
}

// Params is the reference's description of the convolution at batch n on
// per-sample input in (C,H,W).
func (a GroupedConvArgs) Params(n int, in []int) ref.GroupedConv2DParams {
	return ref.GroupedConv2DParams{Conv2DParams: a.ConvArgs.Params(n, in), Groups: a.Groups}
}

// groupToken reports whether an item's last argument is a group count
// ("g4"); it claims "g" followed by anything, so that a malformed count
// ("g", "gx") gets this op's error rather than conv's "bad argument".
func groupToken(args []string) bool {
	return len(args) > 0 && strings.HasPrefix(args[len(args)-1], "g")
}

// parseGroupedConv parses "OUT:K[:STRIDE[:PAD]]:gG": the leading
// arguments by ConvOp, so that the defaults (stride 1, padding K/2) are
// conv's, then the group count.
func parseGroupedConv(args []string) (GroupedConvArgs, error) {
	last := args[len(args)-1]
	g, err := strconv.Atoi(strings.TrimPrefix(last, "g"))
	if !groupToken(args) || err != nil || strings.ContainsAny(last, "+-") {
		return GroupedConvArgs{}, fmt.Errorf("bad group count %q (want g and a whole number, e.g. g4)", last)
	}
	a, err := ConvOp.Parse(args[:len(args)-1])
	if err != nil {
		return GroupedConvArgs{}, err
	}
	return GroupedConvArgs{ConvArgs: a.(ConvArgs), Groups: g}, nil
}

// GroupedConvOp is "conv:OUT:K[:STRIDE[:PAD]]:gG", Conv2d with groups=G
// and a bias; G = in = OUT is a depthwise convolution. Its items are
// conv's with a trailing "gG", which its Match claims.
var GroupedConvOp = Register(Def[GroupedConvArgs]{
	OpInfo: OpInfo{
		Name: "conv", ID: "conv_grouped", Usage: "conv:OUT:K[:STRIDE[:PAD]]:gG",
		Help:    "Conv2d(in, OUT, K, STRIDE=1, PAD=K/2, groups=G); G=in=OUT: depthwise",
		MinArgs: 3, MaxArgs: 5, In: Spatial, Out: Spatial,
		// After conv's example in the strict-load net (6 channels) and on
		// the gradient test's 3: two input channels per group, then one.
		Example: "conv:6:3:g3",
	},
	Match: groupToken,
	Parse: parseGroupedConv,
	Shape: func(a GroupedConvArgs, in []int) ([]int, error) {
		if a.Groups < 1 {
			return nil, fmt.Errorf("groups must be at least 1")
		}
		if in[0]%a.Groups != 0 || a.Out%a.Groups != 0 {
			return nil, fmt.Errorf("%d groups must divide the %d input and %d output channels", a.Groups, in[0], a.Out)
		}
		return ConvOp.Shape(a.ConvArgs, in)
	},
	New: func(a GroupedConvArgs, _ Site) Layer {
		return NewGroupedConv2D(a.Out, a.K, a.Stride, a.Pad, a.Groups)
	},
	Ref: func(a GroupedConvArgs, c RefCall) (o RefOut) {
		p := a.Params(c.N, c.In)
		o.Y = ref.GroupedConv2DForward(p, c.X, c.Params["weight"], c.Params["bias"])
		if c.Train {
			o.Grads = map[string][]float64{}
			o.DX, o.Grads["weight"], o.Grads["bias"] = ref.GroupedConv2DBackward(p, c.X, c.Params["weight"], c.DY)
		}
		return o
	},
	Module: func(a GroupedConvArgs, in []int) Module {
		return Module{Type: "Conv2d", Args: []any{in[0], a.Out, a.K},
			Kwargs: map[string]any{"stride": a.Stride, "padding": a.Pad, "groups": a.Groups}}
	},
})
