package bench

import (
	"fmt"

	"github.com/glcnn/glcnn/layers"
	"github.com/glcnn/glcnn/trainer"
)

// layerAt is one layer of a preset's network with the per-sample shape it
// sees: the unit the kernel benchmark sets up, validates and times.
type layerAt struct {
	preset string
	index  int // position in the spec
	item   trainer.Item
	in     []int // per-sample input shape
	flat   bool  // input is (F): bn is BatchNorm1d
}

// key identifies a layer's work regardless of the preset it came from.
func (la layerAt) key() string { return fmt.Sprintf("%s@%v", la.item, la.in) }

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
	in := []int{1, 28, 28}
	shapes, err := spec.Shapes(in, 10)
	if err != nil {
		return nil, err
	}
	var out []layerAt
	cur := in
	for i, it := range spec {
		out = append(out, layerAt{preset: preset, index: i, item: it, in: cur, flat: len(cur) == 1})
		cur = shapes[i]
	}
	return out, nil
}

// variants lists the kernel variants of a layer kind ("" for kinds with one).
func variants(kind string) []string {
	switch kind {
	case "conv":
		return []string{layers.VariantDirect, layers.VariantBlocked, layers.VariantVec}
	case "fc":
		return []string{layers.VariantDirect, layers.VariantBlocked}
	}
	return []string{""}
}

func argOr(it trainer.Item, i, def int) int {
	if i < len(it.Args) {
		return int(it.Args[i])
	}
	return def
}

// newLayer builds the layer as the trainer does, with the given variant;
// nil for items that run no kernel (flatten).
func newLayer(la layerAt, variant string) layers.Layer {
	if la.item.Kind == "flatten" {
		return nil
	}
	l := trainer.NewLayer(la.item, uint32(la.index), la.flat)
	switch l := l.(type) {
	case *layers.Conv2D:
		l.Variant = variant
	case *layers.Linear:
		l.Variant = variant
	}
	return l
}
