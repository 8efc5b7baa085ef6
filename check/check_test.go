package check

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/glcnn/glcnn/gpu"
	"github.com/glcnn/glcnn/gpu/gputest"
	"github.com/glcnn/glcnn/layers"
	"github.com/glcnn/glcnn/trainer"
)

// small is a network with every kind of layer that runs kernels, small
// enough to check in a fraction of a second; its conv runs every variant's
// own kernels (vec: 3x3, stride 1, pad 1, a plane of a multiple of 4).
var small = trainer.Config{Arch: "conv:4:3,bn,relu,maxpool:2,dropout:0.2,flatten,fc:8,bn,relu,fc:10", Optimizer: "adam", LR0: 0.01}

var smallIn = []int{1, 8, 8}

// corrupt is a layer whose forward output has one element off by delta:
// a kernel that gets one index wrong.
type corrupt struct {
	layers.Layer
	index int
	delta float32
}

func (c *corrupt) Forward(x *layers.Tensor, m layers.Mode) *layers.Tensor {
	y := c.Layer.Forward(x, m)
	v := y.Read()
	y.Buf.UploadAt(c.index, []float32{v[c.index] + c.delta})
	return y
}

// breaking returns a layer constructor that corrupts element 5 of the
// forward output of every layer for which broken(kind, variant) holds,
// and counts the layers it builds.
func breaking(broken func(kind, variant string) bool, built *int) func(LayerAt, string) layers.Layer {
	return func(la LayerAt, variant string) layers.Layer {
		if built != nil {
			*built++
		}
		l := NewLayer(la, variant)
		if l != nil && broken(la.Item.Kind, variant) {
			return &corrupt{Layer: l, index: 5, delta: 0.5}
		}
		return l
	}
}

// TestDefaultNetwork checks the default preset's network for training:
// every kernel it runs must be covered, at batches 1 and 9, and pass.
func TestDefaultNetwork(t *testing.T) {
	d := gputest.Device(t)
	res, err := Run(d, trainer.Presets["default"].Config, []int{1, 28, 28}, Options{Train: true})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Passed() || len(res.Fallbacks) > 0 {
		t.Fatalf("on %s: %v\n%s", d.Info().Renderer, res.Err(), table(res))
	}
	covered := map[string]bool{}
	batches := map[int]bool{}
	for _, r := range res.Rows {
		for _, k := range r.Kernels {
			covered[k] = true
		}
		batches[r.Batch] = true
	}
	for _, k := range []string{"conv2d_fwd", "conv2d_pack", "conv2d_bwd_data", "conv2d_bwd_filter", "bias_bwd", "reduce_slices",
		"maxpool2d_fwd", "maxpool2d_bwd_window", "batchnorm_fwd_partial", "batchnorm_fwd_stats", "batchnorm_relu_fwd",
		"batchnorm_relu_bwd_partial", "batchnorm_bwd_reduce", "batchnorm_relu_bwd", "relu_fwd", "relu_bwd",
		"linear_fwd", "linear_bwd_data", "linear_bwd_filter", "softmax_xent", "softmax_xent_sum", "argmax", "adam_step"} {
		if !covered[k] {
			t.Errorf("no row checks %s", k)
		}
	}
	if !batches[1] || !batches[9] {
		t.Errorf("batches checked: %v, want 1 and 9", batches)
	}
	if got := res.Variants; got[0] != layers.DefaultConvVariant || got[4] != layers.DefaultConvVariant || got[9] != layers.DefaultVariant {
		t.Errorf("variants %v, want the defaults", got)
	}
}

// TestBrokenVariantFallsBack injects a vec conv whose forward gets one
// element wrong: the check must catch it, name the kernel, the variant and
// the element, and choose the next variant, which the trainer then builds.
func TestBrokenVariantFallsBack(t *testing.T) {
	d := gputest.Device(t)
	opt := Options{Train: true, NewLayer: breaking(func(kind, v string) bool { return v == layers.VariantVec }, nil)}
	res, err := Run(d, small, smallIn, opt)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Passed() {
		t.Fatalf("refused: %v", res.Err())
	}
	if len(res.Fallbacks) != 1 {
		t.Fatalf("fallbacks %+v, want one (layer 0)", res.Fallbacks)
	}
	f := res.Fallbacks[0]
	w := f.Failed.Diff.Worst
	if f.Layer != 0 || f.From != layers.VariantVec || f.To != layers.VariantBlocked || f.Failed.Variant != layers.VariantVec ||
		!slices.Contains(f.Failed.Kernels, "conv2d_fwd") || f.Failed.Output != "y" ||
		w.Index != 5 || math.Abs(float64(w.Got-w.Want)-0.5) > 1e-3 {
		t.Errorf("fallback %+v", f)
	}
	notes := strings.Join(res.Notes(), "\n")
	for _, want := range []string{"layer 0 conv:4:3", "conv2d_fwd", "(vec)", "worst [5]", "using the blocked variant"} {
		if !strings.Contains(notes, want) {
			t.Errorf("notes %q lack %q", notes, want)
		}
	}
	if res.Variants[0] != layers.VariantBlocked {
		t.Fatalf("variants %v, want blocked for layer 0", res.Variants)
	}
	// The trainer builds what the check chose.
	cfg := small
	cfg.Variants = res.Variants
	s, err := trainer.NewSession(d, cfg, smallIn, 4)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Release()
	if v := s.Model.Layers[0].(*layers.Conv2D).Variant; v != layers.VariantBlocked {
		t.Errorf("the session's conv runs %q, want blocked", v)
	}
}

// TestRefusal: when no variant of a layer passes, or a kernel without
// variants fails, the check refuses the device and says what to report.
func TestRefusal(t *testing.T) {
	d := gputest.Device(t)
	for _, c := range []struct {
		name    string
		broken  func(kind, v string) bool
		layer   int
		failed  int // variants tried
		kernels []string
	}{
		{"every conv variant", func(kind, v string) bool { return kind == "conv" }, 0, 4, []string{"(vec)", "(blocked)", "(winograd)", "(direct)", "conv2d_fwd"}},
		{"bn+relu", func(kind, v string) bool { return kind == "bn" }, 1, 1, []string{"bn+relu", "batchnorm_relu_fwd"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			res, err := Run(d, small, smallIn, Options{Train: true, NewLayer: breaking(c.broken, nil)})
			if err != nil {
				t.Fatal(err)
			}
			if res.Passed() || len(res.Unusable) == 0 {
				t.Fatalf("passed with a broken %s", c.name)
			}
			u := res.Unusable[0]
			if u.Layer != c.layer || len(u.Failed) != c.failed {
				t.Errorf("unusable %+v, want layer %d with %d variants failed", u, c.layer, c.failed)
			}
			if opt := res.Rows[len(res.Rows)-1]; opt.Op != "adam" || opt.Input[0] != smallParams(t) {
				t.Errorf("optimizer row %+v: want adam over all %d parameters, the failing layer's too", opt, smallParams(t))
			}
			msg := res.Err().Error()
			for _, want := range append(c.kernels, d.Info().Renderer, "worst [5]", IssueTracker, "Result as JSON") {
				if !strings.Contains(msg, want) {
					t.Errorf("refusal lacks %q:\n%s", want, msg)
				}
			}
		})
	}
}

// TestEvalMode checks what eval and predict run: eval-mode forwards, the
// loss sums and the argmax; no gradients, no optimizer.
func TestEvalMode(t *testing.T) {
	res, err := Run(gputest.Device(t), small, smallIn, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Passed() {
		t.Fatal(res.Err())
	}
	outputs := map[string]bool{}
	for _, r := range res.Rows {
		outputs[r.Output] = true
	}
	for _, o := range []string{"dx", "dweight", "dlogits", "params after step 1"} {
		if outputs[o] {
			t.Errorf("eval-mode check has %s rows", o)
		}
	}
	for _, o := range []string{"y_eval", "loss_sum", "correct", "argmax"} {
		if !outputs[o] {
			t.Errorf("eval-mode check lacks %s rows", o)
		}
	}
}

// TestCache: the second check of the same network on the same device
// comes from the cache, fallbacks included; another driver build, or a
// refused device, is checked afresh.
func TestCache(t *testing.T) {
	d := gputest.Device(t)
	dir := t.TempDir()
	built := 0
	opt := Options{Train: true, NewLayer: breaking(func(kind, v string) bool { return v == layers.VariantVec }, &built)}
	res1, cached, err := Ensure(d, small, smallIn, opt, dir, false)
	if err != nil || cached || built == 0 {
		t.Fatalf("first check: cached %v, %d layers built, err %v", cached, built, err)
	}
	n := built
	res2, cached, err := Ensure(d, small, smallIn, opt, dir, false)
	if err != nil || !cached || built != n {
		t.Fatalf("second check: cached %v, %d more layers built, err %v", cached, built-n, err)
	}
	if res2.Variants[0] != layers.VariantBlocked || len(res2.Notes()) != 1 || res2.Date != res1.Date {
		t.Errorf("cached result %v %v, want the first one's fallback", res2.Variants, res2.Notes())
	}
	if _, cached, _ = Ensure(d, small, smallIn, opt, dir, true); cached || built == n {
		t.Error("always: the cache was used")
	}
	other := small
	other.Arch = "conv:4:3,relu,fc:10"
	if _, cached, _ = Ensure(d, other, smallIn, opt, dir, false); cached {
		t.Error("another network was taken from the cache")
	}

	driverID = func(*gpu.Device) string { return "a rebuilt driver" }
	t.Cleanup(func() { driverID = (*gpu.Device).DriverID })
	n = built
	res3, cached, err := Ensure(d, small, smallIn, opt, dir, false)
	if err != nil || cached || built == n || res3.Device.DriverID != "a rebuilt driver" {
		t.Errorf("after a driver update: cached %v, device %+v, err %v", cached, res3.Device, err)
	}
	entries, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	if len(entries) != 3 {
		t.Errorf("%d cache entries, want 3 (two networks, two driver builds)", len(entries))
	}
	for _, e := range entries {
		var r Result
		if b, err := os.ReadFile(e); err != nil || json.Unmarshal(b, &r) != nil {
			t.Errorf("%s: %v", e, err)
		}
	}

	// The cache does not know about injected kernels: a fresh one.
	dir = t.TempDir()
	refuse := Options{Train: true, NewLayer: breaking(func(kind, v string) bool { return kind == "bn" }, &built)}
	Ensure(d, small, smallIn, refuse, dir, false)
	n = built
	if res, cached, err := Ensure(d, small, smallIn, refuse, dir, false); cached || built == n || res.Passed() {
		t.Errorf("a refusal was taken from the cache: cached %v, %d layers built, passed %v, %v", cached, built-n, res.Passed(), err)
	}
}

// TestOptimizers: every optimizer the trainer builds is checked with its
// own hyper-parameters, and passes — also at a learning rate so large that
// fp32 rounding of the update would fail the comparison (the run diverges,
// and must be told so by training, not refused as a broken device).
func TestOptimizers(t *testing.T) {
	d := gputest.Device(t)
	for _, cfg := range []trainer.Config{
		{Optimizer: "sgd", LR0: 0.1},
		{Optimizer: "sgd", LR0: 0.1, Momentum: 0.9, Nesterov: true, WeightDecay: 0.01},
		{Optimizer: "adam", LR0: 0.07, WeightDecay: 0.01},
		{Optimizer: "adamw", LR0: 0.003, WeightDecay: 0.05},
		{Optimizer: "sgd", LR0: 1e9},
		{Optimizer: "adam", LR0: 1e9},
	} {
		shapes := [][]int{{4, 1, 3, 3}, {4}, {10, 64}}
		if cfg.LR0 > 1 { // the default network's 105,962 parameters: enough for rounding to show
			shapes = [][]int{{16, 1, 3, 3}, {16}, {16}, {16}, {32, 16, 3, 3}, {32}, {32}, {32}, {64, 1568}, {64}, {10, 64}, {10}}
		}
		rows := checkOptimizer(d, cfg, shapes)
		want := map[bool]string{true: "sgd_step", false: "adam_step"}[cfg.Optimizer == "sgd"]
		if len(rows) != 2 || rows[0].Kernels[0] != want || (cfg.LR0 <= 1 && rows[1].Input[0] != 680) {
			t.Errorf("%+v: rows %+v", cfg, rows)
		}
		for _, r := range rows {
			if r.Status != "pass" {
				t.Errorf("%+v: %s: %s", cfg, r.What(), r.Problem())
			}
		}
	}
}

func TestCompare(t *testing.T) {
	d := compare([]float32{1, 2, 3.5, 4}, []float64{1, 2.0001, 3, 4}, 1e-3, 1e-4)
	if d.OK() || d.Bad != 1 || d.Worst.Index != 2 || d.Worst.Got != 3.5 || d.Worst.Want != 3 || float64(d.MaxErr) != 0.5 {
		t.Errorf("%+v", d)
	}
	d = compare([]float32{1, float32(math.NaN())}, []float64{1, 1}, 1e-3, 1e-4)
	if d.Bad != 1 || d.Worst.Index != 1 || !math.IsInf(float64(d.Ratio), 1) {
		t.Errorf("NaN: %+v", d)
	}
	b, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	var back Diff
	if err := json.Unmarshal(b, &back); err != nil || !math.IsNaN(float64(back.Worst.Got)) || !math.IsInf(float64(back.Ratio), 1) {
		t.Errorf("JSON round trip %s -> %+v (%v)", b, back, err)
	}
}

func TestCandidates(t *testing.T) {
	for _, c := range []struct {
		kind, want string
		order      []string
	}{
		{"conv", "", []string{layers.DefaultConvVariant, layers.VariantBlocked, layers.VariantWinograd, layers.VariantDirect}},
		{"conv", "direct", []string{"direct", "vec", "blocked", "winograd"}},
		{"fc", "", []string{layers.DefaultVariant, layers.VariantDirect}},
		{"relu", "", []string{""}},
	} {
		if got := candidates(layers.LookupOp(c.kind, nil), c.want); !slices.Equal(got, c.order) {
			t.Errorf("candidates(%s, %q) = %v, want %v", c.kind, c.want, got, c.order)
		}
	}
}

// smallParams counts the trainable parameters of the small network.
func smallParams(t *testing.T) int {
	s, err := trainer.NewSession(gputest.Device(t), small, smallIn, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Release()
	n := 0
	for _, p := range s.Model.Params() {
		n += p.Value.Len()
	}
	return n
}

func table(r *Result) string {
	var b strings.Builder
	r.WriteText(&b)
	return b.String()
}
