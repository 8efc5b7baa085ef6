package layers

import (
	"math/rand/v2"

	"github.com/glcnn/glcnn/layers/ref"
)

// BatchNormOp is "bn": BatchNorm2d on (C,H,W), BatchNorm1d on a flat input
// (after flatten or fc), momentum BNMomentum, eps BNEps.
var BatchNormOp = Register(Def[NoArgs]{
	OpInfo: OpInfo{Name: "bn", Usage: "bn", Help: "BatchNorm2d, or BatchNorm1d after flatten/fc",
		In: AnyLayout, Out: AnyLayout, Example: "bn",
		// With a fused ReLU (BatchNorm.FuseNext) the batchnorm_relu_
		// kernels stand in for their batchnorm_ namesakes; the lists name
		// both and a layer runs the ones it has.
		OutputKernels: map[string][]string{
			"y_eval":       {"batchnorm_fwd", "batchnorm_relu_fwd"},
			"running_mean": {"batchnorm_fwd_partial", "batchnorm_fwd_stats"},
			"running_var":  {"batchnorm_fwd_partial", "batchnorm_fwd_stats"},
			"dweight":      {"batchnorm_bwd_partial", "batchnorm_relu_bwd_partial", "batchnorm_bwd_reduce"},
			"dbias":        {"batchnorm_bwd_partial", "batchnorm_relu_bwd_partial", "batchnorm_bwd_reduce"},
		},
	},
	Parse: parseNone,
	Shape: sameShape,
	New: func(_ NoArgs, at Site) Layer {
		if at.FlatInput {
			return NewBatchNorm1D()
		}
		return NewBatchNorm2D()
	},
	Ref:    batchNormRef,
	Module: batchNormModule,
	Init:   batchNormInit,
	TrainSkip: func(in []int, n int) string {
		if n*Numel(in[1:]) < 2 {
			return "batch norm in training mode needs two values per channel (PyTorch refuses too)"
		}
		return ""
	},
})

// batchNormRef is the float64 batch norm: with c.Train the training-mode
// forward (updating the running statistics in c.Params), the backward, and
// the eval-mode forward with the updated statistics; else the eval forward.
func batchNormRef(_ NoArgs, c RefCall) (o RefOut) {
	ch, hw := c.In[0], Numel(c.In[1:])
	p := c.Params
	gamma, beta, rm, rv := p["weight"], p["bias"], p["running_mean"], p["running_var"]
	if !c.Train {
		o.Y = ref.BatchNormForwardEval(c.N, ch, hw, c.X, gamma, beta, rm, rv, BNEps)
		return o
	}
	var mean, invstd []float64
	o.Y, mean, invstd = ref.BatchNormForwardTrain(c.N, ch, hw, c.X, gamma, beta, rm, rv, BNMomentum, BNEps)
	o.Grads = map[string][]float64{}
	o.DX, o.Grads["weight"], o.Grads["bias"] = ref.BatchNormBackward(c.N, ch, hw, c.X, gamma, mean, invstd, c.DY)
	o.Buffers = map[string][]float64{"running_mean": rm, "running_var": rv}
	o.YEval = ref.BatchNormForwardEval(c.N, ch, hw, c.X, gamma, beta, rm, rv, BNEps)
	return o
}

func batchNormModule(_ NoArgs, in []int) Module {
	if len(in) == 1 {
		return Module{Type: "BatchNorm1d", Args: []any{in[0]}}
	}
	return Module{Type: "BatchNorm2d", Args: []any{in[0]}}
}

// batchNormInit is PyTorch's: weight and running_var 1, bias and
// running_mean 0; it draws nothing from rng.
func batchNormInit(ps []*Param, _ *rand.Rand) {
	for _, p := range ps {
		v := make([]float32, p.Value.Len())
		if p.Name == "weight" || p.Name == "running_var" {
			for i := range v {
				v[i] = 1
			}
		}
		p.Value.Buf.Upload(v)
	}
}
