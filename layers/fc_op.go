package layers

import (
	"fmt"

	"github.com/glcnn/glcnn/layers/ref"
)

// FCArgs are the parsed arguments of an fc item.
type FCArgs struct {
	Out int
}

// FCOp is "fc:OUT", Linear with a bias; the arch parser puts a flatten
// before it on a (C,H,W) input.
var FCOp = Register(Def[FCArgs]{
	OpInfo: OpInfo{
		Name: "fc", Usage: "fc:OUT", Help: "Linear(in, OUT)",
		MinArgs: 1, MaxArgs: 1, In: Flat, Out: Flat,
		Variants:       []string{string(VariantDirect), string(VariantBlocked)},
		DefaultVariant: func() string { return string(DefaultVariant) },
		Example:        "fc:16",
	},
	Parse: func(args []string) (FCArgs, error) {
		v, err := ParseInts(args)
		if err != nil {
			return FCArgs{}, err
		}
		return FCArgs{Out: v[0]}, nil
	},
	Shape: func(a FCArgs, in []int) ([]int, error) {
		if a.Out < 1 {
			return nil, fmt.Errorf("needs at least 1 output")
		}
		return []int{a.Out}, nil
	},
	New: func(a FCArgs, at Site) Layer {
		l := NewLinear(a.Out, true)
		setVariant(&l.Variant, at.Variant)
		return l
	},
	Ref: func(a FCArgs, c RefCall) (o RefOut) {
		in := Numel(c.In)
		o.Y = ref.LinearForward(c.N, in, a.Out, c.X, c.Params["weight"], c.Params["bias"])
		if c.Train {
			o.Grads = map[string][]float64{}
			o.DX, o.Grads["weight"], o.Grads["bias"] = ref.LinearBackward(c.N, in, a.Out, c.X, c.Params["weight"], c.DY)
		}
		return o
	},
	Module: func(a FCArgs, in []int) Module {
		return Module{Type: "Linear", Args: []any{Numel(in), a.Out}}
	},
})
