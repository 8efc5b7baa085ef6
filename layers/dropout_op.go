package layers

import (
	"fmt"
	"strconv"

	"github.com/glcnn/glcnn/layers/ref"
)

// DropoutArgs are the parsed arguments of a dropout item.
type DropoutArgs struct {
	P float64 // probability of zeroing an element, in [0,1)
}

// dropoutSalt salts the mask stream of the dropout at spec position index,
// so that two dropouts of one network draw different masks.
func dropoutSalt(index int) uint32 { return 0x9e3779b9 * uint32(index+1) }

// DropoutOp is "dropout:P", Dropout (the identity in eval mode).
var DropoutOp = Register(Def[DropoutArgs]{
	OpInfo: OpInfo{Name: "dropout", Usage: "dropout:P", Help: "Dropout(P)",
		MinArgs: 1, MaxArgs: 1, In: AnyLayout, Out: AnyLayout, Example: "dropout:0.25"},
	Parse: func(args []string) (DropoutArgs, error) {
		p, err := strconv.ParseFloat(args[0], 64)
		if err != nil || p < 0 {
			return DropoutArgs{}, fmt.Errorf("bad argument %q", args[0])
		}
		if !(p >= 0 && p < 1) {
			return DropoutArgs{}, fmt.Errorf("dropout probability must be in [0,1)")
		}
		return DropoutArgs{P: p}, nil
	},
	Shape: func(_ DropoutArgs, in []int) ([]int, error) { return append([]int(nil), in...), nil },
	New:   func(a DropoutArgs, at Site) Layer { return NewDropout(a.P, dropoutSalt(at.Index)) },
	Ref: func(a DropoutArgs, c RefCall) (o RefOut) {
		if !c.Train {
			o.Y = c.X
			return o
		}
		var mask []float64
		o.Y, mask = ref.DropoutForward(c.X, a.P, DropoutSeed(c.Seed, dropoutSalt(c.Index)))
		o.DX = ref.DropoutBackward(mask, c.DY)
		o.YEval = c.X
		return o
	},
	Module: func(a DropoutArgs, _ []int) Module { return Module{Type: "Dropout", Args: []any{a.P}} },
})
