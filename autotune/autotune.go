package autotune

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/glcnn/glcnn/check"
	"github.com/glcnn/glcnn/data"
	"github.com/glcnn/glcnn/gpu"
	"github.com/glcnn/glcnn/layers"
	"github.com/glcnn/glcnn/trainer"
)

// Request is what to tune: the network of Config (Arch, NoFuse) on
// per-sample input In, at Batch rows a pass, for training or eval. Layers
// for which Config.Variants names a variant keep it and are not timed.
type Request struct {
	Config trainer.Config
	In     []int
	// Batch is the rows of one forward/backward pass: the model's
	// MaxBatch (trainer.ChunkRows).
	Batch int
	// Train times the training-mode forward and the backward (with the
	// input gradient for every layer but the first, as the trainer runs
	// them); otherwise the eval-mode forward alone (eval, predict).
	Train bool
}

// Options say how variants are timed; the zero value is the default.
type Options struct {
	// Runs is the most timed runs of a variant at the full rows (0: 3);
	// the fastest is kept.
	Runs int
	// NewLayer builds a layer for a variant; nil means check.NewLayer.
	NewLayer func(la check.LayerAt, variant string) layers.Layer
	// Time runs f, one pass of la's layer in variant at batch rows, and
	// returns how long the device took; nil means gpu.Device.Time. Tests
	// replace it to count the runs and to play a device on which another
	// variant is fastest.
	Time func(la check.LayerAt, variant string, batch int, f func()) time.Duration
}

// Timing is how long one variant took.
type Timing struct {
	Variant string `json:"variant"`
	// Ms is the fastest of Runs runs at the layer's rows; 0 when the
	// variant was not timed at them (Note says why).
	Ms   float64 `json:"ms"`
	Runs int     `json:"runs"`
	// EstimateMs is the time at the full rows estimated from runs at a
	// sixteenth and an eighth of them: set for a variant not timed at the
	// full rows because it was far slower.
	EstimateMs float64 `json:"estimate_ms,omitempty"`
	Note       string  `json:"note,omitempty"`
}

// Choice is the tuning of one layer.
type Choice struct {
	Layer int    `json:"layer"` // index in the spec
	Op    string `json:"op"`    // the spec item (with the items fused into it)
	Input []int  `json:"input"` // per-sample input shape
	Batch int    `json:"batch"`
	Train bool   `json:"train"`
	// Timings has every variant, the timed ones fastest first.
	Timings []Timing `json:"timings"`
	// Winner is the variant chosen: the fastest, or the op's default
	// when that is within Margin of it.
	Winner  string  `json:"winner"`
	Seconds float64 `json:"seconds"` // what timing the layer cost
	Date    string  `json:"date"`
	// Cached says the choice came from the cache (not saved).
	Cached bool `json:"-"`
}

// Margin is how much faster than the op's default a variant must be to
// win: timings on a busy machine vary by a few percent, and the default
// is the variant every test runs, so a tie goes to it and a re-tune (a
// new driver build) does not flip between equals.
const Margin = 0.05

// Result is the tuning of a network: one Choice per layer with several
// variants that was not given one.
type Result struct {
	Layers []Choice
	// Seconds is the time the timings took (0 when every choice was
	// cached).
	Seconds float64
}

// Variants is the winner of each layer, by index: the value for
// trainer.Config.Variants.
func (r *Result) Variants() map[int]string {
	m := map[int]string{}
	for _, c := range r.Layers {
		if c.Winner != "" {
			m[c.Layer] = c.Winner
		}
	}
	return m
}

// Order is each layer's variants, the winner first, then the other timed
// ones fastest first, then those not timed: the value for
// check.Options.Order.
func (r *Result) Order() map[int][]string {
	m := map[int][]string{}
	for _, c := range r.Layers {
		m[c.Layer] = c.order()
	}
	return m
}

func (c Choice) order() []string {
	var vs []string
	if c.Winner != "" {
		vs = append(vs, c.Winner)
	}
	for _, t := range c.Timings {
		if t.Variant != c.Winner {
			vs = append(vs, t.Variant)
		}
	}
	return vs
}

// Apply sets cfg.Variants to the winners (keeping the variants cfg
// already named) and opt.Order to the rankings, so that check.Run or
// check.Ensure validates each winner first and, should it fail, falls
// back to the fastest variant that passes; cfg.Variants is then the
// check's Result.Variants.
func (r *Result) Apply(cfg *trainer.Config, opt *check.Options) {
	vs := r.Variants()
	for i, v := range cfg.Variants {
		if v != "" {
			vs[i] = v
		}
	}
	cfg.Variants = vs
	if opt != nil {
		opt.Order = r.Order()
	}
}

// Cached reports whether every choice came from the cache.
func (r *Result) Cached() bool {
	for _, c := range r.Layers {
		if !c.Cached {
			return false
		}
	}
	return true
}

// RunnerUp is the fastest timed variant but the winner, and how many
// times slower than the winner it is; ok is false when there is none.
func (c Choice) RunnerUp() (t Timing, ratio float64, ok bool) {
	w := c.timing(c.Winner)
	for _, t := range c.Timings {
		if t.Variant != c.Winner && t.Ms > 0 && w.Ms > 0 {
			return t, t.Ms / w.Ms, true
		}
	}
	return Timing{}, 0, false
}

func (c Choice) timing(v string) Timing {
	for _, t := range c.Timings {
		if t.Variant == v {
			return t
		}
	}
	return Timing{}
}

// String is one line: the layer, its shape and rows, and each variant's
// time, with its ratio to the winner's.
func (c Choice) String() string {
	mode := "forward+backward"
	if !c.Train {
		mode = "eval forward"
	}
	w := c.timing(c.Winner)
	var parts []string
	for _, t := range c.Timings {
		s := t.Variant + " "
		switch {
		case t.Ms > 0 && t.Variant == c.Winner:
			s += fmt.Sprintf("%.3g ms", t.Ms)
		case t.Ms > 0 && w.Ms > 0:
			s += fmt.Sprintf("%.3g ms (%.2fx)", t.Ms, t.Ms/w.Ms)
		case t.Ms > 0:
			s += fmt.Sprintf("%.3g ms", t.Ms)
		default:
			s += "not timed: " + t.Note
		}
		parts = append(parts, s)
	}
	win := c.Winner
	if win == "" {
		win = "none (the default stays)"
	}
	return fmt.Sprintf("layer %d %s (%s, batch %d, %s): %s; using %s", c.Layer, c.Op, shape(c.Input), c.Batch, mode,
		strings.Join(parts, ", "), win)
}

func shape(s []int) string { return strings.Trim(strings.ReplaceAll(fmt.Sprint(s), " ", "x"), "[]") }

// Summary is one line per layer timed now (none when everything came
// from the cache), and the time it took.
func (r *Result) Summary() []string {
	var lines []string
	for _, c := range r.Layers {
		if !c.Cached {
			lines = append(lines, "autotune: "+c.String())
		}
	}
	if len(lines) > 0 {
		lines = append(lines, fmt.Sprintf("autotune: %.1f s, cached for this device and glcnn build", r.Seconds))
	}
	return lines
}

// Layers lists the layers of req's network that autotuning times: those
// whose op has several variants and that req.Config.Variants leaves to
// the default; the error is the arch's.
func Layers(req Request) ([]check.LayerAt, error) {
	spec, err := trainer.ParseSpec(req.Config.Arch)
	if err != nil {
		return nil, err
	}
	las, err := check.NetworkLayers(spec, req.In, len(data.ClassNames), req.Config.NoFuse)
	if err != nil {
		return nil, err
	}
	var out []check.LayerAt
	for _, la := range las {
		if la.Item.Op.NoKernels || la.Absorbed || len(la.Item.Op.Variants) < 2 || req.Config.Variants[la.Index] != "" {
			continue
		}
		if req.Train && la.Item.Op.TrainSkip(la.In, req.Batch) != "" {
			continue // the check skips it too
		}
		out = append(out, la)
	}
	return out, nil
}

// Tune times req's layers on d, without the cache.
func Tune(d *gpu.Device, req Request, opt Options) (*Result, error) {
	return tune(d, req, opt, "")
}

// Ensure returns req's tuning on d: each layer's choice from the cache in
// dir ("" for none) when it holds one for this device, glcnn build,
// layer, rows and mode, else timed now and stored there.
func Ensure(d *gpu.Device, req Request, opt Options, dir string) (*Result, error) {
	return tune(d, req, opt, dir)
}

func tune(d *gpu.Device, req Request, opt Options, dir string) (*Result, error) {
	if req.Batch < 1 {
		panic(fmt.Sprintf("autotune: batch %d", req.Batch))
	}
	las, err := Layers(req)
	if err != nil {
		return nil, err
	}
	opt.Runs = cmp.Or(opt.Runs, 3)
	if opt.NewLayer == nil {
		opt.NewLayer = check.NewLayer
	}
	if opt.Time == nil {
		opt.Time = func(_ check.LayerAt, _ string, _ int, f func()) time.Duration { t, _ := d.Time(f); return t }
	}
	id := check.DeviceIdentity(d)
	res := &Result{}
	start := time.Now()
	for _, la := range las {
		k := newKey(id, la, req, opt)
		path := k.path(dir)
		if c := load(path, k); c != nil {
			c.Layer, c.Cached = la.Index, true
			res.Layers = append(res.Layers, *c)
			continue
		}
		c := tuneLayer(d, la, req, opt)
		if path != "" && c.Winner != "" {
			if err := store(path, k, c); err != nil {
				fmt.Fprintln(stderr, "glcnn: warning: autotune cache:", err)
			}
		}
		res.Layers = append(res.Layers, c)
	}
	if !res.Cached() {
		res.Seconds = time.Since(start).Seconds()
	}
	return res, nil
}

// tuneLayer times each variant of la, the op's default first (the
// likely winner sets the bar the others are estimated against).
func tuneLayer(d *gpu.Device, la check.LayerAt, req Request, opt Options) Choice {
	t0 := time.Now()
	op := la.Item.Op
	c := Choice{Layer: la.Index, Op: la.Label(), Input: la.In, Batch: req.Batch, Train: req.Train,
		Date: t0.Format(time.RFC3339)}
	best := 0.0
	for _, v := range variantOrder(op) {
		t := timeVariant(d, la, v, req, best, opt)
		if t.Ms > 0 && (best == 0 || t.Ms < best) {
			best = t.Ms
		}
		c.Timings = append(c.Timings, t)
	}
	c.pick(op.Default())
	// A variant other than the default wins only if it wins again: the
	// two are timed once more, the default first, and each keeps the
	// best of its runs. On a shared machine a burst of other work during
	// the default's runs would otherwise make a slower variant the
	// cached choice for good.
	if w, def := c.timing(c.Winner), c.timing(op.Default()); w.Variant != def.Variant && w.Ms > 0 && def.Ms > 0 {
		for _, v := range []string{def.Variant, w.Variant} {
			c.merge(timeVariant(d, la, v, req, 0, opt))
		}
		c.pick(op.Default())
	}
	c.Seconds = time.Since(t0).Seconds()
	return c
}

// merge adds a second timing of a variant: the runs add up, the time is
// the faster of the two.
func (c *Choice) merge(t Timing) {
	for i := range c.Timings {
		if o := &c.Timings[i]; o.Variant == t.Variant && t.Ms > 0 {
			o.Runs += t.Runs
			o.Ms = min(o.Ms, t.Ms)
		}
	}
}

// pick ranks the timings, fastest first (those not timed last), and sets
// the winner: the fastest, unless the default is within Margin of it.
func (c *Choice) pick(def string) {
	slices.SortStableFunc(c.Timings, func(a, b Timing) int {
		switch {
		case a.Ms > 0 && b.Ms > 0:
			return cmp.Compare(a.Ms, b.Ms)
		case a.Ms > 0:
			return -1
		case b.Ms > 0:
			return 1
		}
		return 0
	})
	if first := c.Timings[0]; first.Ms > 0 {
		c.Winner = first.Variant
		if d := c.timing(def); d.Ms > 0 && d.Ms <= first.Ms*(1+Margin) {
			c.Winner = d.Variant
		}
	}
}

// variantOrder is the op's default, then its other variants, the most
// elaborate (last registered) first.
func variantOrder(op *layers.Op) []string {
	vs := []string{op.Default()}
	for i := len(op.Variants) - 1; i >= 0; i-- {
		if op.Variants[i] != vs[0] {
			vs = append(vs, op.Variants[i])
		}
	}
	return vs
}
