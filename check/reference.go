package check

import (
	"fmt"
	"maps"
	"slices"

	"github.com/glcnn/glcnn/layers"
)

// want is the float64 reference's answer for one layer at batch n.
type want struct {
	y, yEval, dx []float64
	grads        map[string][]float64 // by parameter name
	// buffers holds the batch-norm running statistics after the
	// training-mode forward.
	buffers map[string][]float64
}

// reference computes, in float64, what layer la must produce at batch n
// for input x, parameters params and output gradient dy, through its op's
// reference (layers.Op.Ref): with train, the training-mode forward, every
// gradient, the updated buffers and (for the ops whose eval mode differs:
// bn, dropout) the eval-mode forward after it; without, the eval-mode
// forward alone. params is not modified. The reference's panics (a shape
// it cannot take) come back as errors.
func reference(la LayerAt, n int, x []float64, params map[string][]float64, dy []float64, seed uint32, train bool) (w want, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("reference: %v", p)
		}
	}()
	params = maps.Clone(params)
	for k, v := range params {
		params[k] = slices.Clone(v) // batch norm updates its running statistics in place
	}
	o := la.Item.Op.Ref(la.Item.Attrs, layers.RefCall{N: n, In: la.In, X: x, Params: params, DY: dy,
		Train: train, Seed: seed, Index: la.Index})
	w = want{y: o.Y, yEval: o.YEval, dx: o.DX, grads: o.Grads, buffers: o.Buffers}
	if w.grads == nil {
		w.grads = map[string][]float64{}
	}
	if w.buffers == nil {
		w.buffers = map[string][]float64{}
	}
	if !train {
		w.yEval, w.y = w.y, nil
	}
	return w, nil
}
