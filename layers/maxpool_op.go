package layers

import (
	"fmt"

	"github.com/glcnn/glcnn/layers/ref"
)

// PoolArgs are the parsed arguments of a pooling item.
type PoolArgs struct {
	K, Stride int
}

// Params is the reference's description of the pooling at batch n on
// per-sample input in (C,H,W).
func (a PoolArgs) Params(n int, in []int) ref.Pool2DParams {
	return ref.Pool2DParams{N: n, C: in[0], H: in[1], W: in[2], K: a.K, Stride: a.Stride}
}

// parsePool parses "K[:STRIDE]", the stride defaulting to K.
func parsePool(args []string) (PoolArgs, error) {
	v, err := ParseInts(args)
	if err != nil {
		return PoolArgs{}, err
	}
	return PoolArgs{K: v[0], Stride: argOr(v, 1, v[0])}, nil
}

// poolShape is the output shape of a K x K window moved by Stride, no
// padding.
func poolShape(a PoolArgs, in []int) ([]int, error) {
	if a.K < 1 || a.Stride < 1 {
		return nil, fmt.Errorf("kernel and stride must be at least 1")
	}
	if in[1] < a.K || in[2] < a.K {
		return nil, fmt.Errorf("pool window %d is larger than the input", a.K)
	}
	oh, ow := a.Params(1, in).OutHW()
	return []int{in[0], oh, ow}, nil
}

// MaxPoolOp is "maxpool:K[:STRIDE]", MaxPool2d.
var MaxPoolOp = Register(Def[PoolArgs]{
	OpInfo: OpInfo{Name: "maxpool", Usage: "maxpool:K[:STRIDE]", Help: "MaxPool2d(K, STRIDE=K)",
		MinArgs: 1, MaxArgs: 2, In: Spatial, Out: Spatial, Example: "maxpool:2:1"},
	Parse: parsePool,
	Shape: poolShape,
	New:   func(a PoolArgs, _ Site) Layer { return NewMaxPool2D(a.K, a.Stride) },
	Ref: func(a PoolArgs, c RefCall) (o RefOut) {
		p := a.Params(c.N, c.In)
		var argmax []int32
		o.Y, argmax = ref.MaxPool2DForward(p, c.X)
		if c.Train {
			o.DX = ref.MaxPool2DBackward(p, argmax, c.DY)
		}
		return o
	},
	Module: func(a PoolArgs, _ []int) Module {
		return Module{Type: "MaxPool2d", Args: []any{a.K}, Kwargs: map[string]any{"stride": a.Stride}}
	},
})
