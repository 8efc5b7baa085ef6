package layers

import "github.com/glcnn/glcnn/layers/ref"

// AvgPoolOp is "avgpool:K[:STRIDE]", AvgPool2d.
var AvgPoolOp = Register(Def[PoolArgs]{
	OpInfo: OpInfo{Name: "avgpool", Usage: "avgpool:K[:STRIDE]", Help: "AvgPool2d(K, STRIDE=K)",
		MinArgs: 1, MaxArgs: 2, In: Spatial, Out: Spatial, Example: "avgpool:3:1"},
	Parse: parsePool,
	Shape: poolShape,
	New:   func(a PoolArgs, _ Site) Layer { return NewAvgPool2D(a.K, a.Stride) },
	Ref: func(a PoolArgs, c RefCall) (o RefOut) {
		p := a.Params(c.N, c.In)
		o.Y = ref.AvgPool2DForward(p, c.X)
		if c.Train {
			o.DX = ref.AvgPool2DBackward(p, c.DY)
		}
		return o
	},
	Module: func(a PoolArgs, _ []int) Module {
		return Module{Type: "AvgPool2d", Args: []any{a.K}, Kwargs: map[string]any{"stride": a.Stride}}
	},
})
