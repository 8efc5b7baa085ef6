package layers

// FlattenOp is "flatten", Flatten: a view, no kernel. The arch parser
// inserts it before an op taking a flat input (fc) on a (C,H,W) one.
var FlattenOp = Register(Def[NoArgs]{
	OpInfo: OpInfo{Name: "flatten", Usage: "flatten", Help: "Flatten (inserted before the first fc when missing)",
		In: AnyLayout, Out: Flat, Flattens: true, NoKernels: true, Example: "flatten"},
	Parse: parseNone,
	Shape: func(_ NoArgs, in []int) ([]int, error) { return []int{Numel(in)}, nil },
	New:   func(NoArgs, Site) Layer { return NewFlatten() },
	Ref: func(_ NoArgs, c RefCall) (o RefOut) {
		o.Y = c.X
		if c.Train {
			o.DX = c.DY
		}
		return o
	},
	Module: func(NoArgs, []int) Module { return Module{Type: "Flatten"} },
})
