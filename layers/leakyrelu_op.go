package layers

import (
	"fmt"
	"math"
	"strconv"

	"github.com/glcnn/glcnn/layers/ref"
)

// LeakyReLUArgs are the parsed arguments of a leakyrelu item.
type LeakyReLUArgs struct {
	Slope float64 // the negative slope, finite and at least 0
}

// DefaultLeakySlope is the slope of "leakyrelu" without an argument,
// PyTorch's LeakyReLU default.
const DefaultLeakySlope = 0.01

// parseLeakyReLU parses "[SLOPE]", a decimal number (0.1, 1e-2), the slope
// defaulting to DefaultLeakySlope.
func parseLeakyReLU(args []string) (LeakyReLUArgs, error) {
	if len(args) == 0 {
		return LeakyReLUArgs{Slope: DefaultLeakySlope}, nil
	}
	s, err := strconv.ParseFloat(args[0], 64)
	if err != nil && !math.IsInf(s, 0) { // ParseFloat reports 1e999 as out of range, +Inf
		return LeakyReLUArgs{}, fmt.Errorf("bad argument %q", args[0])
	}
	// The kernels take the slope as a float32: it must be finite there too.
	if !(s >= 0) || math.IsInf(float64(float32(s)), 0) {
		return LeakyReLUArgs{}, fmt.Errorf("leakyrelu slope %q must be a finite number at least 0", args[0])
	}
	return LeakyReLUArgs{Slope: s}, nil
}

// LeakyReLUOp is "leakyrelu[:SLOPE]", LeakyReLU.
var LeakyReLUOp = Register(Def[LeakyReLUArgs]{
	OpInfo: OpInfo{Name: "leakyrelu", Usage: "leakyrelu[:SLOPE]", Help: "LeakyReLU(SLOPE=0.01)",
		MinArgs: 0, MaxArgs: 1, In: AnyLayout, Out: AnyLayout, Example: "leakyrelu:0.1"},
	Parse: parseLeakyReLU,
	Shape: func(_ LeakyReLUArgs, in []int) ([]int, error) { return append([]int(nil), in...), nil },
	New:   func(a LeakyReLUArgs, _ Site) Layer { return NewLeakyReLU(a.Slope) },
	Ref: func(a LeakyReLUArgs, c RefCall) (o RefOut) {
		o.Y = ref.LeakyReLUForward(c.X, a.Slope)
		if c.Train {
			o.DX = ref.LeakyReLUBackward(c.X, c.DY, a.Slope)
		}
		return o
	},
	Module: func(a LeakyReLUArgs, _ []int) Module {
		return Module{Type: "LeakyReLU", Kwargs: map[string]any{"negative_slope": a.Slope}}
	},
})
