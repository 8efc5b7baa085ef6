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
	// Fused are the layers after this one that its layer computes too, as
	// the trainer fuses them (layers.Fuser): the unit is then the chain
	// (bn+relu), validated against the composition of the references.
	Fused []LayerAt
	// Absorbed marks a layer fused into the one before it: a view that
	// runs no kernel, validated and timed with that layer.
	Absorbed bool
}

// Key identifies a layer's work regardless of the network it came from.
func (la LayerAt) Key() string { return fmt.Sprintf("%s@%v", la.Label(), la.In) }

// Label is the spec item, joined by "+" with the items fused into it
// ("bn+relu").
func (la LayerAt) Label() string {
	s := la.Item.String()
	for _, f := range la.Fused {
		s += "+" + f.Item.String()
	}
	return s
}

// trainSkip says why training mode cannot run the unit at batch n ("" when
// it can): the first reason of its layers.
func (la LayerAt) trainSkip(n int) string {
	for _, l := range append([]LayerAt{la}, la.Fused...) {
		if why := l.Item.Op.TrainSkip(l.In, n); why != "" {
			return why
		}
	}
	return ""
}

// NetworkLayers lists the layers of spec on per-sample input in, a
// network with the given number of classes, fused as the trainer fuses
// them unless noFuse (trainer.ModelOptions.NoFuse); the error says which
// layer's shape does not work out.
func NetworkLayers(spec trainer.Spec, in []int, classes int, noFuse bool) ([]LayerAt, error) {
	shapes, err := spec.Shapes(in, classes)
	if err != nil {
		return nil, err
	}
	fused, err := trainer.Fusions(spec, in, classes, trainer.ModelOptions{NoFuse: noFuse})
	if err != nil {
		return nil, err
	}
	var out []LayerAt
	cur := in
	head := -1 // the layer the next fused ones join
	for i, it := range spec {
		it, _ := it.Resolve() // Shapes resolved it
		la := LayerAt{Index: i, Item: it, In: cur, Flat: len(cur) == 1, Absorbed: fused[i]}
		if fused[i] {
			out[head].Fused = append(out[head].Fused, la)
		} else {
			head = len(out)
		}
		out = append(out, la)
		cur = shapes[i]
	}
	return out, nil
}

// Variants lists the kernel variants an op can run, in the op's order
// (the simplest first; unless given an order, the self-check tries the
// chosen one, then the others from the last towards the first); [""] for
// ops with one set of kernels.
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
// a layers.Chain of it and the layers it fuses when la.Fused lists some;
// nil for items that run no kernel (flatten, and the layers fused into the
// one before).
func NewLayer(la LayerAt, variant string) layers.Layer {
	if la.Item.Op.NoKernels || la.Absorbed {
		return nil
	}
	l := trainer.NewLayer(la.Item, uint32(la.Index), la.Flat, variant)
	if len(la.Fused) == 0 {
		return l
	}
	chain := layers.Chain{l}
	for _, f := range la.Fused {
		next := trainer.NewLayer(f.Item, uint32(f.Index), f.Flat, "")
		if fu, ok := l.(layers.Fuser); !ok || !fu.FuseNext(next) {
			panic(fmt.Sprintf("check: %s does not fuse %s", la.Item, f.Item))
		}
		chain = append(chain, next)
	}
	return chain
}
