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
// forward alone. A fused unit (la.Fused) is the composition of its layers'
// references (composed). params is not modified. The reference's panics (a
// shape it cannot take) come back as errors.
func reference(la LayerAt, n int, x []float64, params map[string][]float64, dy []float64, seed uint32, train bool) (w want, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("reference: %v", p)
		}
	}()
	if len(la.Fused) > 0 {
		w = composed(la, n, x, params, dy, seed, train)
	} else {
		o := refCall(la, n, x, params, dy, seed, train)
		w = want{y: o.Y, yEval: o.YEval, dx: o.DX, grads: o.Grads, buffers: o.Buffers}
	}
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

// refCall runs la's op reference once, on a copy of params (batch norm
// updates its running statistics in place).
func refCall(la LayerAt, n int, x []float64, params map[string][]float64, dy []float64, seed uint32, train bool) layers.RefOut {
	params = maps.Clone(params)
	for k, v := range params {
		params[k] = slices.Clone(v)
	}
	return la.Item.Op.Ref(la.Item.Attrs, layers.RefCall{N: n, In: la.In, X: x, Params: params, DY: dy,
		Train: train, Seed: seed, Index: la.Index})
}

// composed is the reference of a fused unit: la's layer, then each layer
// of la.Fused on the output of the one before, each by its own op's
// reference, as the layers compute apart (issue 12: a fused kernel is
// validated against the composition of the references). The fused layers
// have no parameters (a ReLU); params are the first layer's.
//
// In training mode the forward runs first (each reference in training
// mode with a zero output gradient, only its Y kept), then the backward
// from the last layer to the first, each reference called again with the
// gradient of its output; the unit's input gradient, parameter gradients
// and buffers are the first layer's. The eval-mode forward after it, when
// one of the layers' eval mode differs, chains the first layer's YEval
// through the others' eval-mode references.
func composed(la LayerAt, n int, x []float64, params map[string][]float64, dy []float64, seed uint32, train bool) want {
	unit := append([]LayerAt{la}, la.Fused...)
	ps := func(i int) map[string][]float64 {
		if i == 0 {
			return params
		}
		return nil
	}
	if !train {
		y := x
		for i, l := range unit {
			y = refCall(l, n, y, ps(i), nil, seed, false).Y
		}
		return want{y: y}
	}
	ins := [][]float64{x} // ins[i]: the input of unit[i]; ins[len(unit)]: the output
	for i, l := range unit {
		in := ins[i]
		ins = append(ins, refCall(l, n, in, ps(i), make([]float64, outLen(l, n)), seed, true).Y)
	}
	var w want
	w.y = ins[len(unit)]
	g := dy
	evalDiffers := false
	for i := len(unit) - 1; i >= 0; i-- {
		o := refCall(unit[i], n, ins[i], ps(i), g, seed, true)
		g = o.DX
		evalDiffers = evalDiffers || o.YEval != nil
		if i == 0 {
			w.dx, w.grads, w.buffers, w.yEval = o.DX, o.Grads, o.Buffers, o.YEval
		}
	}
	if !evalDiffers {
		w.yEval = nil
		return w
	}
	if w.yEval == nil { // the first layer's eval mode is its training mode
		w.yEval = refCall(la, n, x, params, nil, seed, false).Y
	}
	for _, l := range la.Fused {
		w.yEval = refCall(l, n, w.yEval, nil, nil, seed, false).Y
	}
	return w
}

// outLen is the number of values la's layer outputs at batch n.
func outLen(la LayerAt, n int) int {
	out, err := la.Item.Op.Shape(la.Item.Attrs, la.In)
	if err != nil {
		panic(err) // NetworkLayers checked the shapes
	}
	return n * layers.Numel(out)
}
