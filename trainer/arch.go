package trainer

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/glcnn/glcnn/layers"
)

// Item is one layer of an arch spec, e.g. "conv:16:3" or "maxpool:2".
type Item struct {
	Kind string   // the op's name: conv, bn, relu, maxpool, flatten, dropout, fc, ...
	Args []string // the arguments as written, numbers in canonical form: conv:16:3 has ["16", "3"]
	// Op is the registered op that claimed the item, and Attrs its
	// arguments as Op parsed them, defaults filled in (a
	// layers.ConvArgs{Out: 16, K: 3, Stride: 1, Pad: 1}, ...).
	Op    *layers.Op
	Attrs any
}

// String is the item as an arch spec writes it, e.g. "conv:16:3".
func (it Item) String() string {
	return strings.Join(append([]string{it.Kind}, it.Args...), ":")
}

// Spec is a parsed sequential network: the order of Items is the order of
// the equivalent PyTorch nn.Sequential, so item i owns state_dict keys "i.*".
type Spec []Item

// String is the spec as ParseSpec reads it, items joined by commas.
func (s Spec) String() string {
	parts := make([]string, len(s))
	for i, it := range s {
		parts[i] = it.String()
	}
	return strings.Join(parts, ",")
}

// SpecHelp lists the spec grammar, one op per line, sorted by name.
func SpecHelp() string {
	var b strings.Builder
	for _, op := range layers.Ops() {
		b.WriteString("  " + op.HelpLine() + "\n")
	}
	return b.String()
}

// ParseItem parses one item, e.g. "conv:16:3", through the op registry.
func ParseItem(raw string) (Item, error) {
	f := strings.Split(strings.TrimSpace(raw), ":")
	kind := strings.ToLower(f[0])
	op := layers.LookupOp(kind, f[1:])
	if op == nil {
		return Item{}, fmt.Errorf("unknown kind (want one of %s)", strings.Join(layers.OpNames(), ", "))
	}
	attrs, err := op.Parse(f[1:])
	if err != nil {
		return Item{}, err
	}
	it := Item{Kind: kind, Op: op, Attrs: attrs}
	for _, a := range f[1:] {
		if v, err := strconv.ParseFloat(a, 64); err == nil {
			a = strconv.FormatFloat(v, 'g', -1, 64)
		}
		it.Args = append(it.Args, a)
	}
	return it, nil
}

// Resolve returns the item with Op and Attrs set: it itself when ParseSpec
// made it, else the item its Kind and Args parse to (an Item written by
// hand).
func (it Item) Resolve() (Item, error) {
	if it.Op != nil {
		return it, nil
	}
	return ParseItem(it.String())
}

// ParseSpec parses "conv:16:3,bn,relu,maxpool:2,flatten,fc:10". It checks
// the syntax and the layouts only (a flatten goes in before an op that
// takes a flat input, such as fc; an op that takes (C,H,W), such as conv,
// cannot follow one); [Spec.Shapes] checks that the shapes work out.
func ParseSpec(s string) (Spec, error) {
	var spec Spec
	flat := false
	for i, raw := range strings.Split(s, ",") {
		it, err := ParseItem(raw)
		if err != nil {
			return nil, fmt.Errorf("arch: layer %d %q: %w", i+1, raw, err)
		}
		op := it.Op
		switch {
		case op.In == layers.Flat && !flat:
			fl, _ := ParseItem(layers.Flattener().Name)
			spec = append(spec, fl)
		case op.In == layers.Spatial && flat:
			return nil, fmt.Errorf("arch: layer %d %q: %s after flatten/fc", i+1, raw, it.Kind)
		}
		switch op.Out {
		case layers.Flat:
			flat = true
		case layers.Spatial:
			flat = false
		}
		if op.Flattens && len(spec) > 0 && spec[len(spec)-1].Op.Flattens {
			continue
		}
		spec = append(spec, it)
	}
	return spec, nil
}

// outShapes returns the per-sample output shape of every item for input
// in (C,H,W), or an error naming the first layer whose shape is
// impossible and why.
func (s Spec) outShapes(in []int) ([][]int, error) {
	cur := append([]int(nil), in...)
	out := make([][]int, len(s))
	for i, it := range s {
		it, err := it.Resolve()
		if err != nil {
			return nil, fmt.Errorf("arch: layer %d %q: %w", i+1, it, err)
		}
		next, err := it.Op.Shape(it.Attrs, cur)
		if err != nil {
			return nil, fmt.Errorf("arch: layer %d %q on input %s: %w", i+1, it, shapeString(cur), err)
		}
		cur = next
		out[i] = append([]int(nil), cur...)
	}
	return out, nil
}

// Shapes returns the per-sample output shape of every item for input in
// (C,H,W), or an error naming the first layer whose shape is impossible and
// why; the last item must produce `classes` outputs.
func (s Spec) Shapes(in []int, classes int) ([][]int, error) {
	out, err := s.outShapes(in)
	if err != nil {
		return nil, err
	}
	cur := in
	if len(out) > 0 {
		cur = out[len(out)-1]
	}
	if len(s) == 0 || len(cur) != 1 || cur[0] != classes {
		return nil, fmt.Errorf("arch: the network ends with shape %s; it must end with fc:%d (one output per class)", shapeString(cur), classes)
	}
	return out, nil
}

// Modules lists the PyTorch modules of the equivalent nn.Sequential for
// per-sample input in, in order: what the model file's metadata "modules"
// holds for the Python scripts.
func (s Spec) Modules(in []int) ([]layers.Module, error) {
	shapes, err := s.outShapes(in)
	if err != nil {
		return nil, err
	}
	mods := make([]layers.Module, len(s))
	cur := in
	for i, it := range s {
		it, _ = it.Resolve() // outShapes parsed it
		mods[i] = it.Op.Module(it.Attrs, cur)
		cur = shapes[i]
	}
	return mods, nil
}

func prod(s []int) int {
	p := 1
	for _, v := range s {
		p *= v
	}
	return p
}

func shapeString(s []int) string {
	parts := make([]string, len(s))
	for i, v := range s {
		parts[i] = strconv.Itoa(v)
	}
	return "(" + strings.Join(parts, ",") + ")"
}
