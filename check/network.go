package check

import (
	"fmt"

	"github.com/glcnn/glcnn/layers"
	"github.com/glcnn/glcnn/trainer"
)

// LayerAt is one layer of a network with the per-sample input shape it
// sees: the unit the check (and the kernel benchmark) sets up and validates.
type LayerAt struct {
	Index int          // position in the spec
	Item  trainer.Item // the spec item, e.g. conv:16:3
	In    []int        // per-sample input shape
	Flat  bool         // the input is (F): bn is BatchNorm1d
}

// Key identifies a layer's work regardless of the network it came from.
func (la LayerAt) Key() string { return fmt.Sprintf("%s@%v", la.Item, la.In) }

// NetworkLayers lists the layers of spec on per-sample input in, a
// network with the given number of classes; the error says which layer's
// shape does not work out.
func NetworkLayers(spec trainer.Spec, in []int, classes int) ([]LayerAt, error) {
	shapes, err := spec.Shapes(in, classes)
	if err != nil {
		return nil, err
	}
	var out []LayerAt
	cur := in
	for i, it := range spec {
		it, _ := it.Resolve() // Shapes resolved it
		out = append(out, LayerAt{Index: i, Item: it, In: cur, Flat: len(cur) == 1})
		cur = shapes[i]
	}
	return out, nil
}

// Variants lists the kernel variants an op can run, simplest first (each
// later one was faster on the devices measured); [""] for ops with one set
// of kernels.
func Variants(op *layers.Op) []string {
	if op.Variants == nil {
		return []string{""}
	}
	return op.Variants
}

// candidates is the order in which a layer's variants are tried: the
// wanted one ("" means the op's default), then the others fastest first.
func candidates(op *layers.Op, want string) []string {
	if want == "" {
		want = op.Default()
	}
	vs := Variants(op)
	out := []string{want}
	for i := len(vs) - 1; i >= 0; i-- {
		if vs[i] != want {
			out = append(out, vs[i])
		}
	}
	return out
}

// NewLayer builds la's layer as the trainer does, with the given variant;
// nil for items that run no kernel (flatten).
func NewLayer(la LayerAt, variant string) layers.Layer {
	if la.Item.Op.NoKernels {
		return nil
	}
	return trainer.NewLayer(la.Item, uint32(la.Index), la.Flat, variant)
}
