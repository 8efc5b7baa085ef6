package check

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"

	"github.com/glcnn/glcnn/layers"
	"github.com/glcnn/glcnn/layers/ref"
)

// output is one output of a layer run, compared with the reference.
type output struct {
	name    string   // y, y_eval, dx, dweight, dbias, running_mean, running_var
	kernels []string // the kernels that compute it
	diff    Diff
}

// dropoutSeed is the per-step seed the check's training-mode forwards use.
const dropoutSeed = 7

// runLayer runs l (set up for at least batch n, output shape out) at batch
// n on seeded inputs in x and dy, and compares every output with the
// reference. With train it runs the forward in training mode, the backward
// (into parameter gradients preset to seeded values: the trainer relies on
// Backward adding to them) and, for the kinds whose eval mode differs, the
// forward in eval mode; without, the eval-mode forward alone. An error
// means the reference could not be computed.
func runLayer(la LayerAt, l layers.Layer, out []int, n int, x, dy *layers.Tensor, train bool) ([]output, error) {
	xs := append([]int{n}, la.In...)
	ys := append([]int{n}, out...)
	xv := ref.RandN(11, layers.Numel(xs))
	dyv := ref.RandN(13, layers.Numel(ys))
	x.Buf.UploadAt(0, ref.Float32s(xv))
	dy.Buf.UploadAt(0, ref.Float32s(dyv))
	params, grads0 := seedParams(l)
	w, err := reference(la, n, xv, params, dyv, dropoutSeed, train)
	if err != nil {
		return nil, err
	}
	var outs []output
	add := func(name string, got []float32, want []float64, a float64) {
		outs = append(outs, output{name: name, kernels: kernelsOf(la.Item.Op, l, n, name), diff: compare(got, want, tolR, a)})
	}
	xin := x.View(xs...)
	if !train {
		add("y_eval", l.Forward(xin, layers.Mode{}).Read(), w.yEval, tolA)
		return outs, nil
	}
	add("y", l.Forward(xin, layers.Mode{Train: true, Seed: dropoutSeed}).Read(), w.y, tolA)
	if dx := l.Backward(dy.View(ys...), true); dx != nil {
		add("dx", dx.Read(), w.dx, tolA)
	}
	terms := n * layers.Numel(out[1:]) // summed into each parameter gradient
	if len(out) == 1 {
		terms = n
	}
	for _, p := range l.Params() {
		if p.Grad == nil {
			add(p.Name, p.Value.Read(), w.buffers[p.Name], tolA)
			continue
		}
		want := slices.Clone(grads0[p.Name])
		for i, g := range w.grads[p.Name] {
			want[i] += g
		}
		add("d"+p.Name, p.Grad.Read(), want, gradTolA(terms))
	}
	if w.yEval != nil {
		add("y_eval", l.Forward(xin, layers.Mode{}).Read(), w.yEval, tolA)
	}
	return outs, nil
}

// seedParams uploads seeded values into l's parameters and buffers, and
// into their gradients (which Backward adds to), and returns both by name.
func seedParams(l layers.Layer) (params, grads0 map[string][]float64) {
	params, grads0 = map[string][]float64{}, map[string][]float64{}
	for i, p := range l.Params() {
		v := ref.RandN(int64(100+i), p.Value.Len())
		switch {
		case p.Name == "running_var":
			for j := range v {
				v[j] = 1 + v[j]*v[j]
			}
		case p.Name == "weight" && len(p.Value.Shape) > 1:
			// Scaled as PyTorch initialises them, U(-1/√fan_in, 1/√fan_in),
			// so outputs are of order 1 whatever the fan-in and the
			// absolute tolerance means the same at every layer.
			scale := 1 / math.Sqrt(float64(layers.Numel(p.Value.Shape[1:])))
			for j := range v {
				v[j] *= scale
			}
		}
		params[p.Name] = v
		p.Value.Buf.Upload(ref.Float32s(v))
		if p.Grad != nil {
			grads0[p.Name] = ref.RandN(int64(200+i), p.Grad.Len())
			p.Grad.Buf.Upload(ref.Float32s(grads0[p.Name]))
		}
	}
	return params, grads0
}

// kernelsOf names the kernels of l, a layer of op, that compute an output
// at batch n: those op.OutputKernels lists for it, else by the naming
// convention of the kernels (l.Costs' keys): *_fwd* and *_pack compute y,
// *bwd_data* (or, without one, every *bwd* but bias_bwd) dx, *_bwd_filter
// the weight gradient, bias_bwd the bias gradient, reduce_slices both.
func kernelsOf(op *layers.Op, l layers.Layer, n int, output string) []string {
	var ks []string
	costs := l.Costs(n)
	if named, ok := op.OutputKernels[output]; ok {
		for _, k := range named {
			if _, ok := costs[k]; ok {
				ks = append(ks, k)
			}
		}
		sort.Strings(ks)
		return ks
	}
	hasData := false
	for k := range costs {
		hasData = hasData || strings.Contains(k, "bwd_data")
	}
	for k := range costs {
		fwd, pack := strings.Contains(k, "_fwd"), strings.HasSuffix(k, "_pack")
		bwd := strings.Contains(k, "bwd")
		var in bool
		switch output {
		case "y", "y_eval":
			in = fwd || pack
		case "dx":
			in = strings.Contains(k, "bwd_data") || pack || !hasData && bwd && k != "bias_bwd"
		case "dweight":
			in = strings.Contains(k, "_bwd_filter") || k == "reduce_slices"
		case "dbias":
			in = k == "bias_bwd" || k == "reduce_slices"
		}
		if in {
			ks = append(ks, k)
		}
	}
	sort.Strings(ks)
	return ks
}

// Validate runs l (set up for at least batch n, output shape out) once
// forward and backward in training mode at batch n on seeded inputs, using
// x and dy (allocated for batch n) for the input and output gradient, and
// compares y, dx, every parameter gradient, the updated buffers and the
// eval-mode output with the float64 reference. It returns an error naming
// the first output that differs, with its worst element; nil when all
// agree.
func Validate(la LayerAt, l layers.Layer, out []int, n int, x, dy *layers.Tensor) error {
	outs, err := runLayer(la, l, out, n, x, dy, true)
	if err != nil {
		return err
	}
	for _, o := range outs {
		if !o.diff.OK() {
			return fmt.Errorf("%s (%s): %s", o.name, strings.Join(o.kernels, "+"), o.diff)
		}
	}
	return nil
}
