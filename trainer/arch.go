package trainer

import (
	"fmt"
	"strconv"
	"strings"
)

// Item is one layer of an arch spec, e.g. "conv:16:3" or "maxpool:2".
type Item struct {
	Kind string // conv, bn, relu, maxpool, flatten, dropout, fc
	Args []float64
}

// String is the item as an arch spec writes it, e.g. "conv:16:3".
func (it Item) String() string {
	s := it.Kind
	for _, a := range it.Args {
		s += ":" + strconv.FormatFloat(a, 'g', -1, 64)
	}
	return s
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

// specGrammar documents each kind: its name, its arguments, and the
// PyTorch module it stands for.
var specGrammar = map[string]struct {
	min, max int
	help     string
}{
	"conv":    {2, 4, "conv:OUT:K[:STRIDE[:PAD]]  Conv2d(in, OUT, K, STRIDE=1, PAD=K/2)"},
	"bn":      {0, 0, "bn                         BatchNorm2d, or BatchNorm1d after flatten/fc"},
	"relu":    {0, 0, "relu                       ReLU"},
	"maxpool": {1, 2, "maxpool:K[:STRIDE]         MaxPool2d(K, STRIDE=K)"},
	"flatten": {0, 0, "flatten                    Flatten (inserted before the first fc when missing)"},
	"dropout": {1, 1, "dropout:P                  Dropout(P)"},
	"fc":      {1, 1, "fc:OUT                     Linear(in, OUT)"},
}

// SpecHelp lists the spec grammar, one kind per line.
func SpecHelp() string {
	var b strings.Builder
	for _, k := range []string{"conv", "bn", "relu", "maxpool", "flatten", "dropout", "fc"} {
		b.WriteString("  " + specGrammar[k].help + "\n")
	}
	return b.String()
}

// ParseSpec parses "conv:16:3,bn,relu,maxpool:2,flatten,fc:10". It checks
// the syntax only; [Spec.Shapes] checks that the shapes work out.
func ParseSpec(s string) (Spec, error) {
	var spec Spec
	flat := false
	for i, raw := range strings.Split(s, ",") {
		f := strings.Split(strings.TrimSpace(raw), ":")
		kind := strings.ToLower(f[0])
		g, ok := specGrammar[kind]
		if !ok {
			return nil, fmt.Errorf("arch: layer %d %q: unknown kind (want one of conv, bn, relu, maxpool, flatten, dropout, fc)", i+1, raw)
		}
		if n := len(f) - 1; n < g.min || n > g.max {
			return nil, fmt.Errorf("arch: layer %d %q: takes %d to %d arguments: %s", i+1, raw, g.min, g.max, g.help)
		}
		it := Item{Kind: kind}
		for _, a := range f[1:] {
			v, err := strconv.ParseFloat(a, 64)
			if err != nil || v < 0 || (kind != "dropout" && v != float64(int(v))) {
				return nil, fmt.Errorf("arch: layer %d %q: bad argument %q", i+1, raw, a)
			}
			it.Args = append(it.Args, v)
		}
		switch {
		case kind == "dropout" && !(it.Args[0] >= 0 && it.Args[0] < 1):
			return nil, fmt.Errorf("arch: layer %d %q: dropout probability must be in [0,1)", i+1, raw)
		case kind == "fc" && !flat:
			spec = append(spec, Item{Kind: "flatten"})
			flat = true
		case kind == "flatten":
			flat = true
		case (kind == "conv" || kind == "maxpool") && flat:
			return nil, fmt.Errorf("arch: layer %d %q: %s after flatten/fc", i+1, raw, kind)
		}
		if kind == "flatten" && len(spec) > 0 && spec[len(spec)-1].Kind == "flatten" {
			continue
		}
		spec = append(spec, it)
	}
	return spec, nil
}

func (it Item) arg(i int, def int) int {
	if i < len(it.Args) {
		return int(it.Args[i])
	}
	return def
}

// Shapes returns the per-sample output shape of every item for input in
// (C,H,W), or an error naming the first layer whose shape is impossible and
// why; the last item must produce `classes` outputs.
func (s Spec) Shapes(in []int, classes int) ([][]int, error) {
	cur := append([]int(nil), in...)
	out := make([][]int, len(s))
	for i, it := range s {
		bad := func(format string, a ...any) error {
			return fmt.Errorf("arch: layer %d %q on input %s: %s", i+1, it, shapeString(cur), fmt.Sprintf(format, a...))
		}
		switch it.Kind {
		case "conv":
			k, size := it.arg(0, 0), it.arg(1, 0)
			stride, pad := it.arg(2, 1), it.arg(3, size/2)
			if k < 1 || size < 1 || stride < 1 {
				return nil, bad("channels, kernel and stride must be at least 1")
			}
			oh, ow := (cur[1]+2*pad-size)/stride+1, (cur[2]+2*pad-size)/stride+1
			if cur[1]+2*pad < size || cur[2]+2*pad < size || oh < 1 || ow < 1 {
				return nil, bad("kernel %d is larger than the padded input", size)
			}
			cur = []int{k, oh, ow}
		case "maxpool":
			k := it.arg(0, 0)
			stride := it.arg(1, k)
			if k < 1 || stride < 1 {
				return nil, bad("kernel and stride must be at least 1")
			}
			if cur[1] < k || cur[2] < k {
				return nil, bad("pool window %d is larger than the input", k)
			}
			cur = []int{cur[0], (cur[1]-k)/stride + 1, (cur[2]-k)/stride + 1}
		case "flatten":
			cur = []int{prod(cur)}
		case "fc":
			if it.arg(0, 0) < 1 {
				return nil, bad("needs at least 1 output")
			}
			cur = []int{it.arg(0, 0)}
		}
		out[i] = append([]int(nil), cur...)
	}
	if len(s) == 0 || len(cur) != 1 || cur[0] != classes {
		return nil, fmt.Errorf("arch: the network ends with shape %s; it must end with fc:%d (one output per class)", shapeString(cur), classes)
	}
	return out, nil
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
