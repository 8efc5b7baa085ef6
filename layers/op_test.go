package layers

import (
	"maps"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/glcnn/glcnn/gpu/gputest"
	"github.com/glcnn/glcnn/layers/ref"
)

func TestRegistry(t *testing.T) {
	ops := Ops()
	if !slices.IsSortedFunc(ops, func(a, b *Op) int { return strings.Compare(a.Name+"\x00"+a.ID, b.Name+"\x00"+b.ID) }) {
		t.Error("Ops() is not sorted by name and ID")
	}
	flatteners := 0
	for _, op := range ops {
		if op.Flattens {
			flatteners++
		}
		if op.Usage == "" || op.Help == "" || op.Example == "" {
			t.Errorf("op %s: Usage, Help and Example are required", op.ID)
		}
		if (op.Variants == nil) != (op.DefaultVariant == nil) || op.Variants != nil && !slices.Contains(op.Variants, op.Default()) {
			t.Errorf("op %s: default variant %q not among %v", op.ID, op.Default(), op.Variants)
		}
		f := strings.Split(op.Example, ":")
		if got := LookupOp(f[0], f[1:]); got != op {
			t.Errorf("op %s: its example %s is claimed by %v", op.ID, op.Example, got)
		}
	}
	if flatteners != 1 || Flattener().Name != "flatten" {
		t.Errorf("%d ops marked Flattens, want flatten alone", flatteners)
	}
	if LookupOp("pool", nil) != nil {
		t.Error("LookupOp(pool) found an op")
	}
	// Each of the first seven ops listed, in order; the ops added since
	// may sort between them.
	names := OpNames()
	if !slices.IsSorted(names) || len(slices.Compact(slices.Clone(names))) != len(names) {
		t.Errorf("OpNames() = %v: not sorted, or a name listed twice", names)
	}
	for _, want := range []string{"bn", "conv", "dropout", "fc", "flatten", "maxpool", "relu"} {
		if !slices.Contains(names, want) {
			t.Errorf("OpNames() = %v: %s missing", names, want)
		}
	}
}

// TestRegisterClash checks that an ID registered twice, or a second op of
// a name without Match, panics: the registry would otherwise pick one
// silently.
func TestRegisterClash(t *testing.T) {
	def := Def[NoArgs]{OpInfo: OpInfo{Name: "relu", ID: "relu_again"}, Parse: parseNone, Shape: sameShape,
		New: func(NoArgs, Site) Layer { return nil }, Ref: func(NoArgs, RefCall) RefOut { return RefOut{} },
		Module: func(NoArgs, []int) Module { return Module{} }}
	defer func() {
		if p := recover(); p == nil || !strings.Contains(p.(string), "clashes with op \"relu\"") {
			t.Errorf("panic %v, want a clash with relu", p)
		}
		for _, op := range Ops() {
			if op.ID == "relu_again" {
				t.Error("the clashing op was registered")
			}
		}
	}()
	Register(def)
}

func TestConvDefaults(t *testing.T) {
	for args, want := range map[string]ConvArgs{
		"16:3":     {Out: 16, K: 3, Stride: 1, Pad: 1},
		"16:5:2":   {Out: 16, K: 5, Stride: 2, Pad: 2},
		"8:4:1:0":  {Out: 8, K: 4, Stride: 1, Pad: 0},
		"8:3.0:2":  {Out: 8, K: 3, Stride: 2, Pad: 1},
		"8:1:1:00": {Out: 8, K: 1, Stride: 1, Pad: 0},
	} {
		a, err := ConvOp.Parse(strings.Split(args, ":"))
		if err != nil || a != want {
			t.Errorf("conv:%s = %+v, %v; want %+v", args, a, err, want)
		}
	}
	if _, err := ConvOp.Parse([]string{"4.5", "3"}); err == nil || !strings.Contains(err.Error(), `bad argument "4.5"`) {
		t.Errorf("conv:4.5:3: %v", err)
	}
}

// exampleInput is the per-sample input an op's example is checked on.
func exampleInput(op *Op) []int {
	if op.In == Flat {
		return []int{7}
	}
	return []int{3, 7, 6}
}

// TestOpRefGradients checks every registered op's float64 reference
// backward (its example item, training mode, batch 2) against central
// finite differences of sum(y·dy): the input gradient and every parameter
// gradient. A new op is covered by registering it.
func TestOpRefGradients(t *testing.T) {
	for _, op := range Ops() {
		t.Run(op.Example, func(t *testing.T) {
			f := strings.Split(op.Example, ":")
			attrs, err := op.Parse(f[1:])
			if err != nil {
				t.Fatal(err)
			}
			in := exampleInput(op)
			out, err := op.Shape(attrs, in)
			if err != nil {
				t.Fatal(err)
			}
			const n = 2
			x := ref.RandN(1, n*Numel(in))
			dy := ref.RandN(2, n*Numel(out))
			params := exampleParams(t, op, attrs, in)
			call := func(x []float64, p map[string][]float64) RefOut {
				p = maps.Clone(p)
				for k, v := range p {
					p[k] = slices.Clone(v) // the reference updates buffers in place
				}
				return op.Ref(attrs, RefCall{N: n, In: in, X: x, Params: p, DY: dy, Train: true, Seed: 5, Index: 3})
			}
			loss := func(x []float64, p map[string][]float64) float64 {
				s := 0.0
				for i, v := range call(x, p).Y {
					s += v * dy[i]
				}
				return s
			}
			o := call(x, params)
			if len(o.Y) != n*Numel(out) {
				t.Fatalf("y has %d values, want %d (shape %v)", len(o.Y), n*Numel(out), out)
			}
			numeric := func(v []float64, f func() float64) []float64 {
				g := make([]float64, len(v))
				const h = 1e-6
				for i := range v {
					old := v[i]
					v[i] = old + h
					up := f()
					v[i] = old - h
					g[i] = (up - f()) / (2 * h)
					v[i] = old
				}
				return g
			}
			closeFD(t, "dx", o.DX, numeric(x, func() float64 { return loss(x, params) }))
			for name, g := range o.Grads {
				closeFD(t, "d"+name, g, numeric(params[name], func() float64 { return loss(x, params) }))
			}
		})
	}
}

// exampleParams gives an op's parameters and buffers seeded values, by
// the names and shapes its layer has (set up on the test device: the
// registry does not describe parameters), running variances positive.
func exampleParams(t *testing.T, op *Op, attrs any, in []int) map[string][]float64 {
	t.Helper()
	l := op.New(attrs, Site{FlatInput: len(in) == 1})
	defer l.Release()
	if _, err := l.Setup(gputest.Device(t), in, 2); err != nil {
		t.Fatal(err)
	}
	p := map[string][]float64{}
	for i, prm := range l.Params() {
		v := ref.RandN(int64(3+i), prm.Value.Len())
		if prm.Grad == nil { // a buffer: running statistics
			for j := range v {
				v[j] = 1 + v[j]*v[j]
			}
		}
		p[prm.Name] = v
	}
	return p
}

// closeFD compares an analytic gradient with central differences
// (step 1e-6: truncation and rounding both near 1e-9 here).
func closeFD(t *testing.T, what string, got, want []float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", what, len(got), len(want))
	}
	for i := range got {
		if math.Abs(got[i]-want[i]) > max(1e-6*math.Abs(got[i]+want[i]), 1e-6) {
			t.Errorf("%s[%d] = %.9g, finite differences %.9g", what, i, got[i], want[i])
			return
		}
	}
}

// TestMatchClaimsItems registers, for the test's duration, an op that
// claims the conv items with a trailing "gN" (as a grouped convolution
// would): those go to it, the others stay conv's. Its ID sorts before
// every real op's of conv (conv_grouped claims the same items), as
// LookupOp tries ops with Match in ID order.
func TestMatchClaimsItems(t *testing.T) {
	grouped := Register(Def[ConvArgs]{
		OpInfo: OpInfo{Name: "conv", ID: "conv_claim_test", Usage: "conv:OUT:K:S:P:gG", Help: "test", MinArgs: 5, MaxArgs: 5, In: Spatial, Out: Spatial},
		Match:  func(args []string) bool { return len(args) > 0 && strings.HasPrefix(args[len(args)-1], "g") },
		Parse:  func(args []string) (ConvArgs, error) { return ConvArgs{}, nil },
		Shape:  func(ConvArgs, []int) ([]int, error) { return nil, nil },
		New:    func(ConvArgs, Site) Layer { return nil },
		Ref:    func(ConvArgs, RefCall) RefOut { return RefOut{} },
		Module: func(ConvArgs, []int) Module { return Module{} },
	})
	defer func() {
		registry.Lock()
		registry.ops = slices.DeleteFunc(registry.ops, func(o *Op) bool { return o == grouped })
		registry.Unlock()
	}()
	if got := LookupOp("conv", strings.Split("8:3:1:1:g4", ":")); got != grouped {
		t.Errorf("conv:8:3:1:1:g4 claimed by %v", got)
	}
	if got := LookupOp("conv", strings.Split("8:3", ":")); got != ConvOp {
		t.Errorf("conv:8:3 claimed by %v", got)
	}
	if got := strings.Join(OpNames(), ","); strings.Count(got, "conv") != 1 {
		t.Errorf("OpNames() = %s: conv listed twice", got)
	}
}
