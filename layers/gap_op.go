package layers

import "github.com/glcnn/glcnn/layers/ref"

// GAPOp is "gap", global average pooling: AdaptiveAvgPool2d(1), (C,H,W) to
// (C,1,1) as PyTorch's module gives it (an fc after it gets the usual
// flatten).
var GAPOp = Register(Def[NoArgs]{
	OpInfo: OpInfo{Name: "gap", Usage: "gap", Help: "AdaptiveAvgPool2d(1): global average pool to (C,1,1)",
		In: Spatial, Out: Spatial, Example: "gap"},
	Parse: parseNone,
	Shape: func(_ NoArgs, in []int) ([]int, error) { return []int{in[0], 1, 1}, nil },
	New:   func(NoArgs, Site) Layer { return NewGlobalAvgPool2D() },
	Ref: func(_ NoArgs, c RefCall) (o RefOut) {
		ch, h, w := c.In[0], c.In[1], c.In[2]
		o.Y = ref.GlobalAvgPool2DForward(c.N, ch, h, w, c.X)
		if c.Train {
			o.DX = ref.GlobalAvgPool2DBackward(c.N, ch, h, w, c.DY)
		}
		return o
	},
	Module: func(NoArgs, []int) Module { return Module{Type: "AdaptiveAvgPool2d", Args: []any{1}} },
})
