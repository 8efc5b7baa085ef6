package check

import (
	"fmt"
	"maps"
	"slices"

	"github.com/glcnn/glcnn/layers"
	"github.com/glcnn/glcnn/layers/ref"
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
// for input x, parameters params and output gradient dy: with train, the
// training-mode forward, every gradient, the updated buffers and (for the
// kinds whose eval mode differs: bn, dropout) the eval-mode forward after
// it; without, the eval-mode forward alone. params is not modified. The
// reference's panics (a shape it cannot take) come back as errors.
func reference(la LayerAt, n int, x []float64, params map[string][]float64, dy []float64, seed uint32, train bool) (w want, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("reference: %v", p)
		}
	}()
	it := la.Item
	arg := func(i, def int) int {
		if i < len(it.Args) {
			return int(it.Args[i])
		}
		return def
	}
	params = maps.Clone(params)
	for k, v := range params {
		params[k] = slices.Clone(v) // batch norm updates its running statistics in place
	}
	w.grads, w.buffers = map[string][]float64{}, map[string][]float64{}
	switch it.Kind {
	case "conv":
		k := arg(1, 0)
		p := ref.Conv2DParams{N: n, C: la.In[0], H: la.In[1], W: la.In[2], K: arg(0, 0), KH: k, KW: k,
			Stride: arg(2, 1), Pad: arg(3, k/2)}
		w.y = ref.Conv2DForward(p, x, params["weight"], params["bias"])
		if train {
			w.dx, w.grads["weight"], w.grads["bias"] = ref.Conv2DBackward(p, x, params["weight"], dy)
		}
	case "fc":
		in, o := layers.Numel(la.In), arg(0, 0)
		w.y = ref.LinearForward(n, in, o, x, params["weight"], params["bias"])
		if train {
			w.dx, w.grads["weight"], w.grads["bias"] = ref.LinearBackward(n, in, o, x, params["weight"], dy)
		}
	case "relu":
		w.y = ref.ReLUForward(x)
		if train {
			w.dx = ref.ReLUBackward(x, dy)
		}
	case "maxpool":
		k := arg(0, 0)
		p := ref.Pool2DParams{N: n, C: la.In[0], H: la.In[1], W: la.In[2], K: k, Stride: arg(1, k)}
		var argmax []int32
		w.y, argmax = ref.MaxPool2DForward(p, x)
		if train {
			w.dx = ref.MaxPool2DBackward(p, argmax, dy)
		}
	case "bn":
		c, hw := la.In[0], layers.Numel(la.In[1:])
		gamma, beta, rm, rv := params["weight"], params["bias"], params["running_mean"], params["running_var"]
		if train {
			var mean, invstd []float64
			w.y, mean, invstd = ref.BatchNormForwardTrain(n, c, hw, x, gamma, beta, rm, rv, layers.BNMomentum, layers.BNEps)
			w.dx, w.grads["weight"], w.grads["bias"] = ref.BatchNormBackward(n, c, hw, x, gamma, mean, invstd, dy)
			w.buffers["running_mean"], w.buffers["running_var"] = rm, rv
		}
		w.yEval = ref.BatchNormForwardEval(n, c, hw, x, gamma, beta, rm, rv, layers.BNEps)
		return w, nil
	case "dropout":
		w.yEval = x
		if train {
			var mask []float64
			w.y, mask = ref.DropoutForward(x, it.Args[0], layers.DropoutSeed(seed, 0x9e3779b9*uint32(la.Index+1)))
			w.dx = ref.DropoutBackward(mask, dy)
		}
		return w, nil
	default:
		return w, fmt.Errorf("no reference for %q", it.Kind)
	}
	if !train {
		w.yEval, w.y = w.y, nil // the mode does not matter to these kinds
	}
	return w, nil
}
