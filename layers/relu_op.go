package layers

import "github.com/glcnn/glcnn/layers/ref"

// NoArgs are the parsed arguments of an item that takes none.
type NoArgs struct{}

// parseNone parses the (empty) arguments of an op that takes none.
func parseNone([]string) (NoArgs, error) { return NoArgs{}, nil }

// sameShape is the output shape of an elementwise op.
func sameShape(_ NoArgs, in []int) ([]int, error) { return append([]int(nil), in...), nil }

// ReLUOp is "relu", ReLU.
var ReLUOp = Register(Def[NoArgs]{
	OpInfo: OpInfo{Name: "relu", Usage: "relu", Help: "ReLU", In: AnyLayout, Out: AnyLayout, Example: "relu"},
	Parse:  parseNone,
	Shape:  sameShape,
	New:    func(NoArgs, Site) Layer { return NewReLU() },
	Ref: func(_ NoArgs, c RefCall) (o RefOut) {
		o.Y = ref.ReLUForward(c.X)
		if c.Train {
			o.DX = ref.ReLUBackward(c.X, c.DY)
		}
		return o
	},
	Module: func(NoArgs, []int) Module { return Module{Type: "ReLU"} },
})
