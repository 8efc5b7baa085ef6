package layers

import (
	"fmt"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/glcnn/glcnn/gpu/gputest"
	"github.com/glcnn/glcnn/layers/ref"
)

// parseItem parses an arch-spec item ("fc:7") through the registry.
func parseItem(t *testing.T, item string) (*Op, any) {
	t.Helper()
	f := strings.Split(item, ":")
	op := LookupOp(f[0], f[1:])
	if op == nil {
		t.Fatalf("%s: no registered op", item)
	}
	attrs, err := op.Parse(f[1:])
	if err != nil {
		t.Fatalf("%s: %v", item, err)
	}
	return op, attrs
}

// TestOpGoldens runs every file of testdata/ops (written by
// testdata/gen_op_golden.py from the op's PyTorch module) through the op's
// float64 reference and its GPU layer: forward, input and parameter
// gradients and updated buffers in training mode (when recorded), then the
// eval-mode forward. A new op gets this test by adding its golden file.
func TestOpGoldens(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "ops", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no op golden files in testdata/ops (%v)", err)
	}
	covered := map[string]bool{}
	for _, path := range files {
		g, err := ref.LoadOpGolden(path)
		if err != nil {
			t.Fatal(err)
		}
		op, attrs := parseItem(t, g.Item)
		covered[op.ID] = true
		t.Run(g.Item, func(t *testing.T) {
			t.Run("ref", func(t *testing.T) { checkRefGolden(t, op, attrs, g) })
			t.Run("gpu", func(t *testing.T) { checkGPUGolden(t, op, attrs, g) })
		})
	}
	for _, op := range Ops() {
		if !covered[op.ID] {
			t.Logf("op %s has no golden file in testdata/ops (testdata/gen_op_golden.py writes one)", op.ID)
		}
	}
}

// goldenParams returns the golden's parameters and buffers by state_dict
// name, buffers as they were before (prefix "buffer.") or after
// ("buffer_after.") the training-mode forward.
func goldenParams(g *ref.OpGolden, buffers string) map[string][]float64 {
	p := map[string][]float64{}
	for name, t := range g.Tensors {
		for _, prefix := range []string{"param.", buffers} {
			if rest, ok := strings.CutPrefix(name, prefix); ok {
				p[rest] = append([]float64(nil), t.Data...)
			}
		}
	}
	return p
}

// closeTo64 compares two float64 results (the reference and PyTorch in
// float64) under |got-want| <= max(1e-9*|got+want|, 1e-12).
func closeTo64(t *testing.T, what string, got, want []float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: %d values, want %d", what, len(got), len(want))
		return
	}
	bad := 0
	for i := range got {
		if !(math.Abs(got[i]-want[i]) <= max(1e-9*math.Abs(got[i]+want[i]), 1e-12)) {
			if bad < 5 {
				t.Errorf("%s[%d] = %.17g, want %.17g", what, i, got[i], want[i])
			}
			bad++
		}
	}
	if bad > 5 {
		t.Errorf("%s: %d of %d differ", what, bad, len(got))
	}
}

func checkRefGolden(t *testing.T, op *Op, attrs any, g *ref.OpGolden) {
	n, in := g.Input[0], g.Input[1:]
	ts := g.Tensors
	after := goldenParams(g, "buffer.")
	if g.Train {
		o := op.Ref(attrs, RefCall{N: n, In: in, X: ts["x"].Data, Params: after, DY: ts["dy"].Data, Train: true})
		closeTo64(t, "y", o.Y, ts["y"].Data)
		closeTo64(t, "dx", o.DX, ts["dx"].Data)
		for name, want := range ts {
			if rest, ok := strings.CutPrefix(name, "grad."); ok {
				closeTo64(t, name, o.Grads[rest], want.Data)
			}
			if rest, ok := strings.CutPrefix(name, "buffer_after."); ok {
				closeTo64(t, name, o.Buffers[rest], want.Data)
			}
		}
		after = goldenParams(g, "buffer_after.")
	}
	o := op.Ref(attrs, RefCall{N: n, In: in, X: ts["x"].Data, Params: after})
	closeTo64(t, "y_eval", o.Y, ts["y_eval"].Data)
}

func checkGPUGolden(t *testing.T, op *Op, attrs any, g *ref.OpGolden) {
	d := gputest.Device(t)
	n, in := g.Input[0], g.Input[1:]
	ts := g.Tensors
	l := op.New(attrs, Site{FlatInput: len(in) == 1})
	defer l.Release()
	out, err := l.Setup(d, in, n)
	if err != nil {
		t.Fatal(err)
	}
	if want := ts["y_eval"].Shape[1:]; fmt.Sprint(out) != fmt.Sprint(want) {
		t.Fatalf("output shape %v, PyTorch's %v", out, want)
	}
	params := goldenParams(g, "buffer.")
	for _, p := range l.Params() {
		v, ok := params[p.Name]
		if !ok {
			t.Fatalf("the layer's %s is not in the golden file", p.Name)
		}
		p.Value.Buf.Upload(ref.Float32s(v))
		if p.Grad != nil {
			p.Grad.Buf.Upload(make([]float32, p.Grad.Len()))
		}
	}
	upload := func(name string) *Tensor {
		x, err := NewTensor(d, ts[name].Shape...)
		if err != nil {
			t.Fatal(err)
		}
		x.Buf.Upload(ref.Float32s(ts[name].Data))
		return x
	}
	x := upload("x")
	defer x.Release()
	check := func(what string, got []float32, a float64) {
		t.Helper()
		if msg := ref.Close(got, ts[what].Data, 1e-4, a); msg != "" {
			t.Errorf("%s: %s", what, msg)
		}
	}
	if g.Train {
		check("y", l.Forward(x, Mode{Train: true, Seed: 1}).Read(), 1e-5)
		dy := upload("dy")
		defer dy.Release()
		if dx := l.Backward(dy, true); dx != nil {
			check("dx", dx.Read(), 1e-5)
		}
		for _, p := range l.Params() {
			if p.Grad != nil {
				// A gradient sums over the batch and the plane in float32.
				check("grad."+p.Name, p.Grad.Read(), 1e-4)
			} else {
				check("buffer_after."+p.Name, p.Value.Read(), 1e-5)
			}
		}
	}
	check("y_eval", l.Forward(x, Mode{}).Read(), 1e-5)
}
