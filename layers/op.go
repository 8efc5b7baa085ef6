package layers

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// The op registry: one descriptor per kind of arch-spec item, each in its
// own file beside its layer (conv_op.go, bn_op.go, ...), registered from
// that file's init. The arch parser, the model builder, the device
// self-check and the benchmarks read it; nothing else names op kinds.
// docs/ops.md says how to add one.

// Layout is the shape of a per-sample tensor an op takes or gives.
type Layout int

const (
	// AnyLayout takes (C,H,W) or (F) and gives the same layout back.
	AnyLayout Layout = iota
	// Spatial is (C,H,W): the arch parser refuses the op after a flatten.
	Spatial
	// Flat is (F): before an op taking it on a spatial input, the arch
	// parser inserts the op marked Flattens.
	Flat
)

// OpInfo is what an op says about itself, apart from its functions.
type OpInfo struct {
	// Name is the word that starts the op's items in an arch spec ("conv").
	Name string
	// ID names the op in the registry; empty means Name. Ops sharing a
	// Name (one whose Match claims some of the other's items) need
	// distinct IDs.
	ID string
	// Usage is the item's grammar ("conv:OUT:K[:STRIDE[:PAD]]") and Help
	// what it stands for ("Conv2d(in, OUT, K, STRIDE=1, PAD=K/2)").
	Usage, Help string
	// MinArgs and MaxArgs bound the number of arguments after the name.
	MinArgs, MaxArgs int
	// In is the layout the op takes, Out the one it gives.
	In, Out Layout
	// Flattens marks the op the arch parser inserts before an op taking a
	// Flat input; of two in a row it keeps the first.
	Flattens bool
	// NoKernels marks an op that runs no kernel (a view, like flatten):
	// the device self-check and the kernel benchmark skip it.
	NoKernels bool
	// Variants lists the kernel variants, the simplest first; unless given
	// an order, the device self-check tries the chosen one and then the
	// others from the last towards the first. nil for one set of kernels.
	Variants []string
	// DefaultVariant returns the variant run when none is chosen; nil for
	// an op without variants.
	DefaultVariant func() string
	// Example is an item of this op ("conv:6:5:2:2") for the tests that
	// cover every registered op: the PyTorch strict-load test chains the
	// examples of all ops after a 4x14x14 activation (see scriptNet in
	// trainer/torchcheck_test.go), so an example should keep the spatial
	// size from shrinking much.
	Example string
	// OutputKernels names, by output ("y_eval", "running_mean",
	// "dweight", ...), the kernels (Costs keys) that compute it, for the
	// outputs that the naming convention the device self-check reads
	// (conv2d_fwd, conv2d_bwd_data, conv2d_bwd_filter, bias_bwd, ...) does
	// not attribute right. Its "y_eval", when present, says the eval-mode
	// forward runs other kernels than the training-mode one: the kernel
	// benchmark times it as a pass of its own.
	OutputKernels map[string][]string
}

// Site is where a layer sits in its network, for an op's constructor.
type Site struct {
	// Index is the item's position in the spec (dropout salts its mask
	// stream with it).
	Index int
	// FlatInput says the input is (F) (batch norm is then BatchNorm1d).
	FlatInput bool
	// Variant selects the kernels of an op with Variants; "" is its default.
	Variant string
}

// RefCall is one run of an op's float64 reference.
type RefCall struct {
	N  int       // batch
	In []int     // per-sample input shape
	X  []float64 // input, N x In
	// Params holds the parameters and buffers by state_dict name; the
	// reference may update buffers (running statistics) in place.
	Params map[string][]float64
	DY     []float64 // gradient of the output (training mode only)
	Train  bool      // training-mode forward and the backward; else eval forward only
	Seed   uint32    // the step's seed (layers.Mode.Seed)
	Index  int       // the item's position in the spec
}

// RefOut is what an op's float64 reference computes.
type RefOut struct {
	// Y is the forward in the call's mode.
	Y []float64
	// YEval, only for ops whose eval mode differs (batch norm, dropout)
	// and with Train, is the eval-mode forward after the training one.
	YEval []float64
	// DX, Grads (by parameter name) and Buffers (updated buffers by name)
	// come with Train.
	DX             []float64
	Grads, Buffers map[string][]float64
}

// Module is the PyTorch module an item stands for, as
// getattr(torch.nn, Type)(*Args, **Kwargs) builds it.
type Module struct {
	Type   string         `json:"type"`
	Args   []any          `json:"args,omitempty"`
	Kwargs map[string]any `json:"kwargs,omitempty"`
}

// Def is how an op is written: its info and its functions, typed on A, the
// op's parsed arguments (ConvArgs, ...). [Register] turns it into an *Op.
type Def[A any] struct {
	OpInfo
	// Match, when set, claims only the items of Name whose arguments it
	// accepts (say, a trailing "g4"); the op of that Name without Match
	// takes the rest.
	Match func(args []string) bool
	// Parse checks and parses the arguments (between MinArgs and MaxArgs
	// of them, as written) and fills in the defaults.
	Parse func(args []string) (A, error)
	// Shape returns the per-sample output shape for input in (of layout
	// In), or an error saying what is impossible.
	Shape func(a A, in []int) ([]int, error)
	// New builds the layer.
	New func(a A, at Site) Layer
	// Ref computes the float64 reference (layers/ref) of one call.
	Ref func(a A, c RefCall) RefOut
	// Module is the PyTorch module for input shape in.
	Module func(a A, in []int) Module
	// Init sets the parameters and buffers from rng; nil: [KaimingUniform]
	// (PyTorch's default for Conv2d and Linear).
	Init func(ps []*Param, rng *rand.Rand)
	// TrainSkip, when set, returns why training mode cannot run at batch n
	// on input in ("" when it can): batch norm needs two values per channel.
	TrainSkip func(in []int, n int) string
}

// Op is a registered op: [OpInfo] and the functions of its [Def], taking
// the parsed arguments as an any holding the op's own type.
type Op struct {
	OpInfo
	match     func([]string) bool
	parse     func([]string) (any, error)
	shape     func(any, []int) ([]int, error)
	build     func(any, Site) Layer
	ref       func(any, RefCall) RefOut
	module    func(any, []int) Module
	init      func([]*Param, *rand.Rand)
	trainSkip func([]int, int) string
}

var registry struct {
	sync.Mutex
	ops []*Op // sorted by Name, then ID
}

// Register adds an op to the registry; call it from the init of the op's
// descriptor file. It panics (a programmer error) on a missing function,
// an ID registered twice, or two ops of one Name without Match.
func Register[A any](d Def[A]) *Op {
	if d.ID == "" {
		d.ID = d.Name
	}
	if d.Name == "" || d.Parse == nil || d.Shape == nil || d.New == nil || d.Ref == nil || d.Module == nil {
		panic(fmt.Sprintf("layers: Register(%q): Name, Parse, Shape, New, Ref and Module are required", d.ID))
	}
	op := &Op{OpInfo: d.OpInfo, match: d.Match, init: d.Init, trainSkip: d.TrainSkip,
		parse:  func(args []string) (any, error) { return d.Parse(args) },
		shape:  func(a any, in []int) ([]int, error) { return d.Shape(a.(A), in) },
		build:  func(a any, at Site) Layer { return d.New(a.(A), at) },
		ref:    func(a any, c RefCall) RefOut { return d.Ref(a.(A), c) },
		module: func(a any, in []int) Module { return d.Module(a.(A), in) },
	}
	if op.init == nil {
		op.init = KaimingUniform
	}
	registry.Lock()
	defer registry.Unlock()
	for _, o := range registry.ops {
		if o.ID == op.ID || o.Name == op.Name && o.match == nil && op.match == nil {
			panic(fmt.Sprintf("layers: Register(%q): clashes with op %q", op.ID, o.ID))
		}
	}
	registry.ops = append(registry.ops, op)
	slices.SortFunc(registry.ops, func(a, b *Op) int {
		return strings.Compare(a.Name+"\x00"+a.ID, b.Name+"\x00"+b.ID)
	})
	return op
}

// Ops lists the registered ops, sorted by Name, then ID.
func Ops() []*Op {
	registry.Lock()
	defer registry.Unlock()
	return slices.Clone(registry.ops)
}

// OpNames lists the names that start an arch-spec item, sorted.
func OpNames() []string {
	var names []string
	for _, o := range Ops() {
		if len(names) == 0 || names[len(names)-1] != o.Name {
			names = append(names, o.Name)
		}
	}
	return names
}

// LookupOp returns the op that claims an item of name with args: the
// first (by ID) of that name whose Match accepts args, else the one
// without Match; nil when none does.
func LookupOp(name string, args []string) *Op {
	var fallback *Op
	for _, o := range Ops() {
		switch {
		case o.Name != name:
		case o.match == nil:
			fallback = o
		case o.match(args):
			return o
		}
	}
	return fallback
}

// Flattener returns the op the arch parser inserts before an op taking a
// Flat input (the one marked Flattens); it panics when none is registered.
func Flattener() *Op {
	for _, o := range Ops() {
		if o.Flattens {
			return o
		}
	}
	panic("layers: no op marked Flattens is registered")
}

// HelpLine is the op's line of the arch-spec help: usage, then help.
func (o *Op) HelpLine() string { return fmt.Sprintf("%-26s %s", o.Usage, o.Help) }

// Parse checks the number of arguments and parses them; the error says
// what is wrong, without naming the item.
func (o *Op) Parse(args []string) (any, error) {
	if n := len(args); n < o.MinArgs || n > o.MaxArgs {
		return nil, fmt.Errorf("takes %d to %d arguments: %s", o.MinArgs, o.MaxArgs, o.HelpLine())
	}
	return o.parse(args)
}

// Shape returns the per-sample output shape for input in, or an error
// saying what is impossible (an input of the wrong layout among them).
func (o *Op) Shape(attrs any, in []int) ([]int, error) {
	switch {
	case o.In == Spatial && len(in) != 3:
		return nil, fmt.Errorf("needs a (C,H,W) input")
	case o.In == Flat && len(in) != 1:
		return nil, fmt.Errorf("needs a flat input")
	}
	return o.shape(attrs, in)
}

// New builds the layer of an item with parsed arguments attrs. It panics
// when at.Variant is set for an op without variants.
func (o *Op) New(attrs any, at Site) Layer {
	if at.Variant != "" && o.Variants == nil {
		panic(fmt.Sprintf("layers: variant %q for a %s layer, which has one", at.Variant, o.Name))
	}
	return o.build(attrs, at)
}

// Ref runs the op's float64 reference.
func (o *Op) Ref(attrs any, c RefCall) RefOut { return o.ref(attrs, c) }

// Module is the PyTorch module of an item on per-sample input in.
func (o *Op) Module(attrs any, in []int) Module { return o.module(attrs, in) }

// Init sets a layer's parameters and buffers from rng, as PyTorch's
// defaults do.
func (o *Op) Init(ps []*Param, rng *rand.Rand) { o.init(ps, rng) }

// TrainSkip returns why training mode cannot run at batch n on input in,
// "" when it can.
func (o *Op) TrainSkip(in []int, n int) string {
	if o.trainSkip == nil {
		return ""
	}
	return o.trainSkip(in, n)
}

// Default returns the variant run when none is chosen ("" without
// variants).
func (o *Op) Default() string {
	if o.DefaultVariant == nil {
		return ""
	}
	return o.DefaultVariant()
}

// KaimingUniform sets every parameter of a layer as PyTorch's Conv2d and
// Linear do: U(-1/√fan_in, 1/√fan_in), fan_in from the first parameter's
// shape (Kaiming-uniform with a=√5 for the weight; the same bound for the
// bias), values drawn in parameter order.
func KaimingUniform(ps []*Param, rng *rand.Rand) {
	if len(ps) == 0 {
		return
	}
	fanIn := 1
	if len(ps[0].Value.Shape) > 1 {
		fanIn = Numel(ps[0].Value.Shape[1:])
	}
	bound := 1 / math.Sqrt(float64(fanIn))
	for _, p := range ps {
		v := make([]float32, p.Value.Len())
		for i := range v {
			v[i] = float32((rng.Float64()*2 - 1) * bound)
		}
		p.Value.Buf.Upload(v)
	}
}

// ParseInts parses arguments that must be whole numbers at least 0 ("3",
// and "3.0" as before); the error names the first that is not.
func ParseInts(args []string) ([]int, error) {
	out := make([]int, len(args))
	for i, a := range args {
		v, err := strconv.ParseFloat(a, 64)
		if err != nil || v < 0 || v != float64(int(v)) {
			return nil, fmt.Errorf("bad argument %q", a)
		}
		out[i] = int(v)
	}
	return out, nil
}

// argOr returns v[i], or def when v is shorter.
func argOr(v []int, i, def int) int {
	if i < len(v) {
		return v[i]
	}
	return def
}
