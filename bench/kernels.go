package bench

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/glcnn/glcnn/check"
	"github.com/glcnn/glcnn/gpu"
	"github.com/glcnn/glcnn/layers"
)

// KernelRow is one timed pass of one layer at one batch and variant.
type KernelRow struct {
	Preset  string   `json:"preset"`
	Layer   int      `json:"layer"` // index in the preset's spec
	Op      string   `json:"op"`    // the spec item, e.g. "conv:16:3"
	Input   []int    `json:"input"` // per-sample input shape
	Variant string   `json:"variant,omitempty"`
	Pass    string   `json:"pass"` // fwd, fwd_eval, bwd_params, bwd_data, bwd
	Kernels []string `json:"kernels"`
	Batch   int      `json:"batch"`

	// Status is "ok", "failed" (validation against layers/ref failed: not
	// timed) or "skipped" (Note says why).
	Status         string `json:"status"`
	Note           string `json:"note,omitempty"`
	ValidatedBatch int    `json:"validated_batch,omitempty"`
	// Derived is set for bwd_data: the full backward's time minus the
	// parameter-gradient pass's (the layer API runs them together).
	Derived bool `json:"derived,omitempty"`

	FLOPs     int64   `json:"flops"`
	Bytes     int64   `json:"bytes"`
	MinMs     float64 `json:"min_ms"`
	MedianMs  float64 `json:"median_ms"`
	Runs      int     `json:"runs"`
	Clock     string  `json:"clock,omitempty"`
	GFLOPs    float64 `json:"gflops"`
	GBs       float64 `json:"gbs"`
	Intensity float64 `json:"intensity"` // FLOPs per byte
	Bound     string  `json:"bound"`     // "compute" or "memory": which peak bounds it
	PctPeak   float64 `json:"pct_peak"`  // achieved / roofline ceiling, in %
}

// Key identifies a row across reports (for --compare).
func (r KernelRow) Key() string {
	v := r.Variant
	if v != "" {
		v = "/" + v
	}
	return fmt.Sprintf("%s#%d %s%s %s n=%d", r.Preset, r.Layer, r.Op, v, r.Pass, r.Batch)
}

// kernelPlan is what the kernel benchmark covers.
type kernelPlan struct {
	presets    []string
	batches    map[string][]int // per preset
	runs       int
	maxRowTime time.Duration // time a row by one run when its first run takes longer; 0: never
	skipTime   time.Duration // skip a row whose estimated run takes longer; 0: never
	rowBudget  time.Duration // stop timing a row after this much
}

// passKernels splits the kernels of l, a layer of op, (its Costs keys)
// among its passes.
func passKernels(op *layers.Op, l layers.Layer, n int) map[string][]string {
	m := map[string][]string{}
	for k := range l.Costs(n) {
		switch {
		case strings.HasSuffix(k, "_pack"): // weight re-layout, run before fwd and before bwd_data
			m["fwd"] = append(m["fwd"], k)
			m["bwd_data"] = append(m["bwd_data"], k)
		case strings.Contains(k, "_fwd"):
			m["fwd"] = append(m["fwd"], k)
		case strings.Contains(k, "bwd_data"):
			m["bwd_data"] = append(m["bwd_data"], k)
		default:
			m["bwd_params"] = append(m["bwd_params"], k)
		}
	}
	for _, ks := range m {
		sort.Strings(ks)
	}
	if _, ok := m["bwd_data"]; !ok { // one backward pass (dx and any params): bwd
		if ks, ok := m["bwd_params"]; ok {
			m["bwd"] = ks
			delete(m, "bwd_params")
		}
	}
	if ks, ok := op.OutputKernels["y_eval"]; ok { // the eval forward runs kernels of its own
		costs := l.Costs(n)
		for _, k := range ks {
			if _, ok := costs[k]; ok { // the list may name kernels of other forms of the layer (fused)
				m["fwd_eval"] = append(m["fwd_eval"], k)
			}
		}
	}
	return m
}

func sumCost(l layers.Layer, n int, kernels []string) layers.Cost {
	var c layers.Cost
	costs := l.Costs(n)
	for _, k := range kernels {
		c.FLOPs += costs[k].FLOPs
		c.Bytes += costs[k].Bytes
	}
	return c
}

// layerBench is the benchmark of one layer, variant and batch in
// progress: the layer, set up with an input and an output gradient, and
// the rows done so far.
type layerBench struct {
	d      *gpu.Device
	pk     Peaks
	plan   kernelPlan
	la     layerAt
	n      int // the batch timed
	base   KernelRow
	l      layers.Layer
	out    []int // per-sample output shape
	x, dy  *layers.Tensor
	vb     int                 // the batch validation ran at
	passes map[string][]string // kernels per pass (passKernels)
	rows   []KernelRow
}

// benchLayer validates and times every pass of one layer, variant and batch.
func benchLayer(d *gpu.Device, pk Peaks, plan kernelPlan, la layerAt, variant string, n int) []KernelRow {
	b := &layerBench{d: d, pk: pk, plan: plan, la: la, n: n,
		base: KernelRow{Preset: la.preset, Layer: la.Index, Op: la.Label(), Input: la.In, Variant: variant, Batch: n}}
	defer b.release()
	if status, note := b.setUp(variant); status != "" {
		r := b.base
		r.Pass, r.Status, r.Note = "all", status, note
		return []KernelRow{r}
	}
	b.passes = passKernels(la.Item.Op, b.l, n)
	b.timeForward()
	b.timeBackward()
	return b.rows
}

// setUp builds the layer and its tensors and validates the layer against
// the reference. When it cannot be timed, status ("skipped" or "failed")
// and note say why.
func (b *layerBench) setUp(variant string) (status, note string) {
	la, n := b.la, b.n
	l := newLayer(la, variant)
	out, err := l.Setup(b.d, la.In, n)
	if err != nil {
		return "skipped", err.Error()
	}
	b.l, b.out = l, out
	x, err := layers.NewTensor(b.d, append([]int{n}, la.In...)...)
	if err != nil {
		return "skipped", err.Error()
	}
	b.x = x
	dy, err := layers.NewTensor(b.d, append([]int{n}, out...)...)
	if err != nil {
		return "skipped", err.Error()
	}
	b.dy = dy
	if why := la.Item.Op.TrainSkip(la.In, n); why != "" {
		return "skipped", why
	}
	b.vb = validationBatch(l, n)
	if err := validate(la, l, out, b.vb, b.x, b.dy); err != nil {
		return "failed", fmt.Sprintf("validation at batch %d: %v", b.vb, err)
	}
	return "", ""
}

// release frees what setUp allocated, in reverse order.
func (b *layerBench) release() {
	if b.dy != nil {
		b.dy.Release()
	}
	if b.x != nil {
		b.x.Release()
	}
	if b.l != nil {
		b.l.Release()
	}
}

// view is the input and the output gradient at batch m.
func (b *layerBench) view(m int) (*layers.Tensor, *layers.Tensor) {
	return b.x.View(append([]int{m}, b.la.In...)...), b.dy.View(append([]int{m}, b.out...)...)
}

// forward is the training forward pass at batch m.
func (b *layerBench) forward(m int) func() {
	xb, _ := b.view(m)
	return func() { b.l.Forward(xb, layers.Mode{Train: true, Seed: 7}) }
}

// backward is the backward pass (with dx when needDX), after a forward
// pass as its untimed setup.
func (b *layerBench) backward(needDX bool) work {
	return func(m int) (func(), func()) {
		_, dyb := b.view(m)
		return b.forward(m), func() { b.l.Backward(dyb, needDX) }
	}
}

// row is the row of pass before it is timed: its kernels and their cost.
func (b *layerBench) row(pass string) KernelRow {
	r := b.base
	r.Pass, r.Kernels, r.ValidatedBatch = pass, b.passes[pass], b.vb
	c := sumCost(b.l, b.n, r.Kernels)
	r.FLOPs, r.Bytes = c.FLOPs, c.Bytes
	return r
}

// estimate times one run at an eighth of the batch and scales it: the
// heaviest rows (direct kernels at the large presets' batch 256 run for
// minutes on llvmpipe) are skipped rather than run.
func (b *layerBench) estimate(w work) time.Duration {
	if b.n < 16 || b.plan.skipTime <= 0 {
		return 0
	}
	m := b.n / 8
	setup, f := w(m)
	setup()
	t, _ := b.d.Time(f)
	return t * time.Duration(b.n) / time.Duration(m)
}

// timePass adds the row of pass, timed or skipped; ok is false when it
// was skipped.
func (b *layerBench) timePass(pass string, w work) (t Timing, ok bool) {
	r := b.row(pass)
	plan := b.plan
	if est := b.estimate(w); est > plan.skipTime && plan.skipTime > 0 {
		r.Status = "skipped"
		r.Note = fmt.Sprintf("estimated %.0f s a run (from batch %d) > the skip limit %v", est.Seconds(), b.n/8, plan.skipTime)
		b.rows = append(b.rows, r)
		return Timing{}, false
	}
	setup, f := w(b.n)
	setup()
	// The validation ran each kernel once (llvmpipe's JIT is done);
	// this first run at batch n is the warm-up and the estimate.
	one, _ := b.d.Time(f)
	r.Status = "ok"
	if plan.maxRowTime > 0 && one > plan.maxRowTime {
		t = Timing{Min: one, Median: one, Runs: 1, Clock: clockOf(b.d)}
	} else {
		t = measure(b.d, budget{Runs: plan.runs, MaxTime: plan.rowBudget}, f)
	}
	b.rows = append(b.rows, finishRow(r, t, b.pk))
	return t, true
}

// timeForward times the training forward pass, and the eval one when it
// runs kernels of its own.
func (b *layerBench) timeForward() {
	nop := func() {}
	b.timePass("fwd", func(m int) (func(), func()) { return nop, b.forward(m) })
	if _, ok := b.passes["fwd_eval"]; ok {
		b.timePass("fwd_eval", func(m int) (func(), func()) {
			xb, _ := b.view(m)
			return nop, func() { b.l.Forward(xb, layers.Mode{}) }
		})
	}
}

// timeBackward times the backward passes: bwd for a layer whose one pass
// gives dx and its parameter gradients, else bwd_params and, derived from
// it, bwd_data.
func (b *layerBench) timeBackward() {
	if _, ok := b.passes["bwd"]; ok {
		b.timePass("bwd", b.backward(true))
	}
	if _, ok := b.passes["bwd_params"]; !ok {
		return
	}
	tp, ok := b.timePass("bwd_params", b.backward(false))
	if _, has := b.passes["bwd_data"]; has {
		b.deriveBwdData(tp, ok)
	}
}

// deriveBwdData adds the bwd_data row: the full backward's time minus
// bwd_params' (tp; timed is false when that row was skipped), since the
// layer API runs the two together.
func (b *layerBench) deriveBwdData(tp Timing, timed bool) {
	r := b.row("bwd_data")
	r.Derived = true
	if !timed {
		r.Status, r.Note = "skipped", "bwd_params was skipped"
		b.rows = append(b.rows, r)
		return
	}
	setup, f := b.backward(true)(b.n)
	setup()
	tb := measure(b.d, budget{Runs: b.plan.runs, MaxTime: b.plan.rowBudget}, f)
	if tp.Runs == 1 {
		tb = measure(b.d, budget{Runs: 1}, f)
	}
	r.Status = "ok"
	t := Timing{Min: max(tb.Min-tp.Min, 0), Median: max(tb.Median-tp.Median, 0), Runs: min(tb.Runs, tp.Runs), Clock: tb.Clock}
	r.Note = fmt.Sprintf("bwd (data+params) %.3f ms minus bwd_params", ms(tb.Min))
	b.rows = append(b.rows, finishRow(r, t, b.pk))
}

// work returns, for batch b, the untimed setup of a pass and the pass.
type work func(b int) (setup, f func())

func clockOf(d *gpu.Device) gpu.Clock {
	if d.Info().TimerQueries {
		return gpu.GPUTimer
	}
	return gpu.WallFinish
}

// finishRow fills the rates and the roofline figures from the timing.
func finishRow(r KernelRow, t Timing, pk Peaks) KernelRow {
	r.MinMs, r.MedianMs, r.Runs, r.Clock = ms(t.Min), ms(t.Median), t.Runs, string(t.Clock)
	r.GFLOPs, r.GBs = rate(r.FLOPs, t.Min), rate(r.Bytes, t.Min)
	if r.Bytes > 0 {
		r.Intensity = float64(r.FLOPs) / float64(r.Bytes)
	}
	ceiling, compute := pk.Bound(r.Intensity)
	r.Bound = "memory"
	if compute {
		r.Bound = "compute"
	}
	if ceiling > 0 {
		r.PctPeak = 100 * r.GFLOPs / ceiling
	}
	if r.FLOPs == 0 && pk.BandwidthGBs() > 0 { // pure data movement
		r.Bound, r.PctPeak = "memory", 100*r.GBs/pk.BandwidthGBs()
	}
	return r
}

// benchKernels runs the kernel benchmark over the plan; progress, when
// non-nil, hears about each layer as it starts.
func benchKernels(d *gpu.Device, pk Peaks, plan kernelPlan, progress func(string)) ([]KernelRow, error) {
	var rows []KernelRow
	seen := map[string]bool{}
	for _, preset := range plan.presets {
		las, err := presetLayers(preset)
		if err != nil {
			return nil, err
		}
		for _, n := range plan.batches[preset] {
			for _, la := range las {
				if newLayer(la, "") == nil {
					continue
				}
				for _, v := range check.Variants(la.Item.Op) {
					key := fmt.Sprintf("%s/%s n=%d", la.Key(), v, n)
					if seen[key] {
						continue
					}
					seen[key] = true
					if progress != nil {
						progress(fmt.Sprintf("%s #%d %s %s n=%d", preset, la.Index, la.Label(), v, n))
					}
					rows = append(rows, benchLayer(d, pk, plan, la, v, n)...)
				}
			}
		}
	}
	return rows, nil
}
