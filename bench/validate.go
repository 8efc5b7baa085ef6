package bench

import (
	"fmt"
	"math"
	"strings"

	"github.com/glcnn/glcnn/gpu"
	"github.com/glcnn/glcnn/layers"
	"github.com/glcnn/glcnn/layers/ref"
)

// Validation tolerance, |got-want| <= max(R*|got+want|, A). Looser than the
// layers' unit tests (1e-4, 1e-5): here the shapes are the presets' real
// ones, whose parameter-gradient sums run over up to ~10^5 fp32 terms of
// random sign. A sum near zero of M such terms carries an absolute error
// growing like sqrt(M), so for parameter gradients A is scaled by
// sqrt(M/1e4) past 10^4 terms (seen: 1.25e-4 at M = 131,000).
const valR, valA = 1e-3, 1e-4

// valMACs caps the reference's work per validation: the float64 reference
// is plain loops, so a layer is validated at the largest batch (at most the
// benchmarked one) whose forward costs under this many multiply-adds.
const valMACs = 5e6

// validationBatch is the batch a layer is validated at before batch n is
// timed: n itself when the reference is cheap enough there.
func validationBatch(l layers.Layer, n int) int {
	per := max(l.Costs(1)[fwdKernel(l)].FLOPs/2, 1)
	return max(1, min(n, int(valMACs/float64(per))))
}

// fwdKernel names the main forward kernel of l (for its cost).
func fwdKernel(l layers.Layer) string {
	best, name := int64(-1), ""
	for k, c := range l.Costs(1) {
		if strings.Contains(k, "_fwd") && c.FLOPs > best {
			best, name = c.FLOPs, k
		}
	}
	return name
}

// refOut is the float64 reference's answer for one layer call.
type refOut struct {
	y, dx []float64
	grads map[string][]float64
}

// reference computes, in float64, what layer la must produce at batch n for
// input x, parameters params and output gradient dy.
func reference(la layerAt, n int, out []int, x []float64, params map[string][]float64, dy []float64, seed uint32) (r refOut, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("reference: %v", p)
		}
	}()
	it := la.item
	r.grads = map[string][]float64{}
	switch it.Kind {
	case "conv":
		k := argOr(it, 1, 0)
		p := ref.Conv2DParams{N: n, C: la.in[0], H: la.in[1], W: la.in[2], K: argOr(it, 0, 0), KH: k, KW: k,
			Stride: argOr(it, 2, 1), Pad: argOr(it, 3, k/2)}
		r.y = ref.Conv2DForward(p, x, params["weight"], params["bias"])
		r.dx, r.grads["weight"], r.grads["bias"] = ref.Conv2DBackward(p, x, params["weight"], dy)
	case "fc":
		in, o := layers.Numel(la.in), argOr(it, 0, 0)
		r.y = ref.LinearForward(n, in, o, x, params["weight"], params["bias"])
		r.dx, r.grads["weight"], r.grads["bias"] = ref.LinearBackward(n, in, o, x, params["weight"], dy)
	case "relu":
		r.y, r.dx = ref.ReLUForward(x), ref.ReLUBackward(x, dy)
	case "maxpool":
		k := argOr(it, 0, 0)
		p := ref.Pool2DParams{N: n, C: la.in[0], H: la.in[1], W: la.in[2], K: k, Stride: argOr(it, 1, k)}
		var argmax []int32
		r.y, argmax = ref.MaxPool2DForward(p, x)
		r.dx = ref.MaxPool2DBackward(p, argmax, dy)
	case "bn":
		c, hw := la.in[0], layers.Numel(la.in[1:])
		var mean, invstd []float64
		r.y, mean, invstd = ref.BatchNormForwardTrain(n, c, hw, x, params["weight"], params["bias"],
			params["running_mean"], params["running_var"], layers.BNMomentum, layers.BNEps)
		r.dx, r.grads["weight"], r.grads["bias"] = ref.BatchNormBackward(n, c, hw, x, params["weight"], mean, invstd, dy)
	case "dropout":
		var mask []float64
		r.y, mask = ref.DropoutForward(x, it.Args[0], layers.DropoutSeed(seed, 0x9e3779b9*uint32(la.index+1)))
		r.dx = ref.DropoutBackward(mask, dy)
	default:
		return r, fmt.Errorf("no reference for %q", it.Kind)
	}
	return r, nil
}

// validate runs l (set up for at least batch n) once forward and backward
// at batch n on seeded inputs and compares y, dx and every parameter
// gradient with the reference. It returns the first mismatch as an error.
func validate(d *gpu.Device, la layerAt, l layers.Layer, out []int, n int, x, dy *layers.Tensor) error {
	const seed = 7
	xs := append([]int{n}, la.in...)
	ys := append([]int{n}, out...)
	xv := ref.RandN(11, layers.Numel(xs))
	dyv := ref.RandN(13, layers.Numel(ys))
	x.Buf.UploadAt(0, ref.Float32s(xv))
	dy.Buf.UploadAt(0, ref.Float32s(dyv))
	params := map[string][]float64{}
	for i, p := range l.Params() {
		v := ref.RandN(int64(100+i), p.Value.Len())
		if p.Name == "running_var" {
			for j := range v {
				v[j] = 1 + v[j]*v[j]
			}
		}
		params[p.Name] = v
		p.Value.Buf.Upload(ref.Float32s(v))
		if p.Grad != nil {
			p.Grad.Buf.Fill(0)
		}
	}
	want, err := reference(la, n, out, xv, params, dyv, seed)
	if err != nil {
		return err
	}
	y := l.Forward(x.View(xs...), layers.Mode{Train: true, Seed: seed})
	if msg := ref.Close(y.Read(), want.y, valR, valA); msg != "" {
		return fmt.Errorf("forward y: %s", msg)
	}
	dx := l.Backward(dy.View(ys...), true)
	if dx != nil {
		if msg := ref.Close(dx.Read(), want.dx, valR, valA); msg != "" {
			return fmt.Errorf("backward dx: %s", msg)
		}
	}
	terms := float64(n * layers.Numel(out[1:])) // summed into each parameter gradient
	if len(out) == 1 {
		terms = float64(n)
	}
	gradA := valA * max(1, math.Sqrt(terms/1e4))
	for _, p := range l.Params() {
		if p.Grad == nil {
			continue
		}
		if msg := ref.Close(p.Grad.Read(), want.grads[p.Name], valR, gradA); msg != "" {
			return fmt.Errorf("backward d%s: %s", p.Name, msg)
		}
	}
	return nil
}
