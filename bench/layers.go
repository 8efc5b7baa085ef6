package bench

import (
	"fmt"
	"strings"

	"github.com/glcnn/glcnn/check"
	"github.com/glcnn/glcnn/layers"
	"github.com/glcnn/glcnn/trainer"
)

// layerAt is one layer of a preset's network with the per-sample shape it
// sees: the unit the kernel benchmark sets up, validates and times.
type layerAt struct {
	preset string
	check.LayerAt
}

// presetLayers lists the layers of a preset's network for 1x28x28 input.
func presetLayers(preset string) ([]layerAt, error) {
	p, ok := trainer.Presets[preset]
	if !ok {
		return nil, fmt.Errorf("bench: no preset %q (have %v)", preset, trainer.PresetNames())
	}
	spec, err := trainer.ParseSpec(p.Config.Arch)
	if err != nil {
		return nil, err
	}
	las, err := check.NetworkLayers(spec, []int{1, 28, 28}, 10, false) // fused, as the trainer runs it
	if err != nil {
		return nil, err
	}
	out := make([]layerAt, len(las))
	for i, la := range las {
		out[i] = layerAt{preset, la}
	}
	return out, nil
}

// newLayer builds the layer as the trainer does, with the given variant;
// nil for items that run no kernel (flatten).
func newLayer(la layerAt, variant string) layers.Layer { return check.NewLayer(la.LayerAt, variant) }

// validate compares one run of l at batch n with the float64 reference
// (check.Validate: the device self-check's own comparison).
func validate(la layerAt, l layers.Layer, out []int, n int, x, dy *layers.Tensor) error {
	return check.Validate(la.LayerAt, l, out, n, x, dy)
}

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
