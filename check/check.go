package check

import (
	"fmt"
	"slices"
	"time"

	"github.com/glcnn/glcnn/data"
	"github.com/glcnn/glcnn/gpu"
	"github.com/glcnn/glcnn/layers"
	"github.com/glcnn/glcnn/trainer"
)

// Options say what a check covers.
type Options struct {
	// Train checks what training runs: each layer's forward in training
	// and (batch norm, dropout) eval mode, its input gradient, parameter
	// gradients and running statistics, the loss's gradient and sums, and
	// two steps of the configured optimizer. Without it, the check covers
	// what eval and predict run: eval-mode forwards, the loss sums and the
	// argmax.
	Train bool
	// All checks every variant of every layer; otherwise a layer's
	// variants are tried only until one passes (the wanted one first).
	All bool
	// Batches are the batches each layer runs at; nil means
	// DefaultBatches.
	Batches []int
	// NewLayer builds a layer for a variant; nil means [NewLayer]. Tests
	// wrap it to inject a broken kernel.
	NewLayer func(la LayerAt, variant string) layers.Layer
	// Order, by layer index, is the order in which to try a layer's
	// variants (package autotune's ranking, fastest first on this device);
	// the variants it leaves out follow in the usual order. A layer
	// without an entry tries the variant the config asks for, then the
	// others fastest first as measured where glcnn was written.
	Order map[int][]string
}

// DefaultBatches are small and odd: batch 1, where every tile of every
// kernel is partial, and 9, which fills the 8-row tiles of the vec kernels
// once and leaves one row over, and runs the batch-sliced weight-gradient
// paths.
var DefaultBatches = []int{1, 9}

// Row is one output of one kernel run, compared with the reference.
type Row struct {
	Layer   int      `json:"layer"` // index in the arch spec; -1 for the loss and the optimizer
	Op      string   `json:"op"`    // the spec item (conv:16:3; bn+relu when fused), "loss" or the optimizer
	Input   []int    `json:"input"` // per-sample input shape
	Variant string   `json:"variant,omitempty"`
	Output  string   `json:"output"` // y, y_eval, dx, dweight, dbias, running_mean, ...
	Kernels []string `json:"kernels"`
	Batch   int      `json:"batch"`
	// Status is "pass", "fail" (values outside the tolerance), "error"
	// (the kernel could not run: Note says why) or "skipped" (Note).
	Status string `json:"status"`
	Diff   Diff   `json:"diff"`
	Note   string `json:"note,omitempty"`
	// Ms is the wall time of the run that produced the row (set-up,
	// shader compilation, the kernels and the reference), on the first
	// row of each run, 0 on the others.
	Ms float64 `json:"ms"`
}

// Bad reports whether the row failed or could not run.
func (r Row) Bad() bool { return r.Status == "fail" || r.Status == "error" }

// What names the kernel, the variant, the output and the batch of the row.
func (r Row) What() string {
	k := fmt.Sprint(r.Kernels)
	if len(r.Kernels) > 0 {
		k = r.Kernels[0]
		for _, s := range r.Kernels[1:] {
			k += "+" + s
		}
	}
	s := k
	if r.Variant != "" {
		s += " (" + r.Variant + ")"
	}
	if r.Batch > 0 {
		return fmt.Sprintf("%s, %s at batch %d", s, r.Output, r.Batch)
	}
	return fmt.Sprintf("%s, %s", s, r.Output)
}

// Problem says what went wrong in a bad row.
func (r Row) Problem() string {
	if r.Status == "error" {
		return r.Note
	}
	return r.Diff.String()
}

// Fallback is a layer whose wanted variant failed, and the one used.
type Fallback struct {
	Layer  int    `json:"layer"`
	Op     string `json:"op"`
	From   string `json:"from"`
	To     string `json:"to"`
	Failed Row    `json:"failed"` // From's worst row
}

// Unusable is a kernel set with no variant that passes: the device is
// refused.
type Unusable struct {
	Layer  int    `json:"layer"`
	Op     string `json:"op"`
	Failed []Row  `json:"failed"` // the worst row of each variant tried
}

// Result is a check's outcome; its JSON is `glcnn check --json` and the
// cache entry.
type Result struct {
	Format    int      `json:"format"`
	Device    Identity `json:"device"`
	Arch      string   `json:"arch"`
	Input     []int    `json:"input"`
	Train     bool     `json:"train"`
	Optimizer string   `json:"optimizer,omitempty"`
	Batches   []int    `json:"batches"`
	Rows      []Row    `json:"rows"`
	// Variants is the variant chosen for each conv and fc layer, by index
	// in the spec: the value for trainer.Config.Variants.
	Variants  map[int]string `json:"variants"`
	Fallbacks []Fallback     `json:"fallbacks,omitempty"`
	Unusable  []Unusable     `json:"unusable,omitempty"`
	Date      string         `json:"date"`
	Seconds   float64        `json:"seconds"`
}

// format is the version of Result's JSON and of what a check covers;
// raising it invalidates every cached result. 2: fused layers are checked
// as one unit (bn+relu).
const format = 2

// Passed reports whether the network can run on the device (with the
// chosen variants).
func (r *Result) Passed() bool { return len(r.Unusable) == 0 }

// Run checks the network of cfg (Arch, and for training the optimizer and
// label smoothing) on per-sample input in, trying first the variants
// cfg.Variants asks for. Failing kernels are in the result, not the error;
// the error is for an arch that does not fit the input.
func Run(d *gpu.Device, cfg trainer.Config, in []int, opt Options) (*Result, error) {
	start := time.Now()
	spec, err := trainer.ParseSpec(cfg.Arch)
	if err != nil {
		return nil, err
	}
	classes := len(data.ClassNames)
	las, err := NetworkLayers(spec, in, classes, cfg.NoFuse)
	if err != nil {
		return nil, err
	}
	if opt.Batches == nil {
		opt.Batches = DefaultBatches
	}
	if opt.NewLayer == nil {
		opt.NewLayer = NewLayer
	}
	res := &Result{Format: format, Device: DeviceIdentity(d), Arch: spec.String(), Input: in, Train: opt.Train,
		Batches: opt.Batches, Variants: map[int]string{}, Date: time.Now().Format(time.RFC3339)}
	var shapes [][]int // trainable parameters, for the optimizer
	for _, la := range las {
		if la.Item.Op.NoKernels || la.Absorbed {
			continue // no kernel of its own
		}
		vs := ordered(opt.Order[la.Index], candidates(la.Item.Op, cfg.Variants[la.Index]))
		chosen, ps := res.checkLayer(d, la, vs, opt)
		shapes = append(shapes, ps...)
		if chosen != "" {
			res.Variants[la.Index] = chosen
		}
	}
	rows := checkLoss(d, classes, cfg.Smoothing, opt)
	if opt.Train {
		res.Optimizer = cfg.Optimizer
		rows = append(rows, checkOptimizer(d, cfg, shapes)...)
	}
	res.Rows = append(res.Rows, rows...)
	for _, r := range rows {
		if r.Bad() {
			res.Unusable = append(res.Unusable, Unusable{Layer: -1, Op: r.Op, Failed: []Row{r}})
		}
	}
	res.Seconds = time.Since(start).Seconds()
	return res, nil
}

// ordered is vs with the variants of first that it holds moved to its
// front, in first's order.
func ordered(first, vs []string) []string {
	var out []string
	for _, v := range first {
		if slices.Contains(vs, v) && !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	for _, v := range vs {
		if !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}

// checkLayer runs la's variants in the order given, until one passes (or
// all of them, with opt.All), and records the rows and the verdict. It
// returns the chosen variant ("" for a kind without variants, or when none
// passes) and the shapes of the layer's trainable parameters (for the
// optimizer's check, which runs even when a layer fails).
func (res *Result) checkLayer(d *gpu.Device, la LayerAt, variants []string, opt Options) (string, [][]int) {
	chosen, ok := "", false
	var failed []Row
	var shapes [][]int
	for _, v := range variants {
		if ok && !opt.All {
			break
		}
		rows, ps := runVariant(d, la, v, opt)
		res.Rows = append(res.Rows, rows...)
		if shapes == nil {
			shapes = ps // the same in every variant
		}
		if w := worst(rows); w != nil {
			failed = append(failed, *w)
			continue
		}
		if !ok {
			chosen, ok = v, true
		}
	}
	switch {
	case !ok:
		res.Unusable = append(res.Unusable, Unusable{Layer: la.Index, Op: la.Label(), Failed: failed})
	case chosen != variants[0]:
		res.Fallbacks = append(res.Fallbacks, Fallback{Layer: la.Index, Op: la.Label(), From: variants[0], To: chosen, Failed: failed[0]})
	}
	return chosen, shapes
}

// worst returns the bad row furthest from the reference, nil when all pass.
func worst(rows []Row) *Row {
	var w *Row
	for i := range rows {
		r := &rows[i]
		if r.Bad() && (w == nil || w.Status == "fail" && (r.Status == "error" || r.Diff.Ratio > w.Diff.Ratio)) {
			w = r
		}
	}
	return w
}

// runVariant sets la's layer up with one variant for the largest batch
// and runs it at each batch. A panic (a shader the driver cannot compile)
// becomes an error row.
func runVariant(d *gpu.Device, la LayerAt, variant string, opt Options) (rows []Row, shapes [][]int) {
	base := Row{Layer: la.Index, Op: la.Label(), Input: la.In, Variant: variant}
	t0 := time.Now()
	fail := func(err any) {
		r := base
		r.Status, r.Note, r.Kernels = "error", fmt.Sprint(err), []string{la.Item.Kind}
		r.Ms = ms(time.Since(t0))
		rows = append(rows, r)
	}
	defer func() {
		if p := recover(); p != nil {
			fail(p)
		}
	}()
	maxN := slices.Max(opt.Batches)
	l := opt.NewLayer(la, variant)
	defer l.Release()
	out, err := l.Setup(d, la.In, maxN)
	if err != nil {
		fail(err)
		return rows, nil
	}
	x, err := layers.NewTensor(d, append([]int{maxN}, la.In...)...)
	if err != nil {
		fail(err)
		return rows, nil
	}
	defer x.Release()
	dy, err := layers.NewTensor(d, append([]int{maxN}, out...)...)
	if err != nil {
		fail(err)
		return rows, nil
	}
	defer dy.Release()
	for _, p := range l.Params() {
		if p.Grad != nil {
			shapes = append(shapes, p.Value.Shape)
		}
	}
	for _, n := range opt.Batches {
		r := base
		r.Batch = n
		if why := la.trainSkip(n); opt.Train && why != "" {
			r.Status, r.Note = "skipped", why
			rows = append(rows, r)
			continue
		}
		outs, err := runLayer(la, l, out, n, x, dy, opt.Train)
		if err != nil {
			fail(err)
			continue
		}
		for i, o := range outs {
			r.Output, r.Kernels, r.Diff, r.Status = o.name, o.kernels, o.diff, "pass"
			if !o.diff.OK() {
				r.Status = "fail"
			}
			r.Ms = 0
			if i == 0 {
				r.Ms = ms(time.Since(t0))
			}
			rows = append(rows, r)
		}
		t0 = time.Now()
	}
	return rows, shapes
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1e3 }
