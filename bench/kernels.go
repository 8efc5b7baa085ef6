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
		m["fwd_eval"] = ks
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

// benchLayer validates and times every pass of one layer, variant and batch.
func benchLayer(d *gpu.Device, pk Peaks, plan kernelPlan, la layerAt, variant string, n int) []KernelRow {
	base := KernelRow{Preset: la.preset, Layer: la.Index, Op: la.Item.String(), Input: la.In, Variant: variant, Batch: n}
	fail := func(status, note string) []KernelRow {
		r := base
		r.Pass, r.Status, r.Note = "all", status, note
		return []KernelRow{r}
	}
	l := newLayer(la, variant)
	out, err := l.Setup(d, la.In, n)
	if err != nil {
		return fail("skipped", err.Error())
	}
	defer l.Release()
	x, err := layers.NewTensor(d, append([]int{n}, la.In...)...)
	if err != nil {
		return fail("skipped", err.Error())
	}
	defer x.Release()
	dy, err := layers.NewTensor(d, append([]int{n}, out...)...)
	if err != nil {
		return fail("skipped", err.Error())
	}
	defer dy.Release()
	if why := la.Item.Op.TrainSkip(la.In, n); why != "" {
		return fail("skipped", why)
	}

	vb := validationBatch(l, n)
	if err := validate(la, l, out, vb, x, dy); err != nil {
		return fail("failed", fmt.Sprintf("validation at batch %d: %v", vb, err))
	}

	view := func(b int) (*layers.Tensor, *layers.Tensor) {
		return x.View(append([]int{b}, la.In...)...), dy.View(append([]int{b}, out...)...)
	}
	train := layers.Mode{Train: true, Seed: 7}
	fwdAt := func(b int) func() { xb, _ := view(b); return func() { l.Forward(xb, train) } }
	nop := func() {}
	passes := passKernels(la.Item.Op, l, n)
	var rows []KernelRow
	// estimate times one run at an eighth of the batch and scales it: the
	// heaviest rows (direct kernels at the large presets' batch 256 run for
	// minutes on llvmpipe) are skipped rather than run.
	estimate := func(w work) time.Duration {
		if n < 16 || plan.skipTime <= 0 {
			return 0
		}
		m := n / 8
		setup, f := w(m)
		setup()
		t, _ := d.Time(f)
		return t * time.Duration(n) / time.Duration(m)
	}
	row := func(pass string) KernelRow {
		r := base
		r.Pass, r.Kernels, r.ValidatedBatch = pass, passes[pass], vb
		c := sumCost(l, n, r.Kernels)
		r.FLOPs, r.Bytes = c.FLOPs, c.Bytes
		return r
	}
	timeIt := func(pass string, w work) (Timing, bool) {
		r := row(pass)
		if est := estimate(w); est > plan.skipTime && plan.skipTime > 0 {
			r.Status = "skipped"
			r.Note = fmt.Sprintf("estimated %.0f s a run (from batch %d) > the skip limit %v", est.Seconds(), n/8, plan.skipTime)
			rows = append(rows, r)
			return Timing{}, false
		}
		setup, f := w(n)
		setup()
		// The validation ran each kernel once (llvmpipe's JIT is done);
		// this first run at batch n is the warm-up and the estimate.
		one, _ := d.Time(f)
		r.Status = "ok"
		if plan.maxRowTime > 0 && one > plan.maxRowTime {
			t := Timing{Min: one, Median: one, Runs: 1, Clock: clockOf(d)}
			rows = append(rows, finishRow(r, t, pk))
			return t, true
		}
		t := measure(d, budget{Runs: plan.runs, MaxTime: plan.rowBudget}, f)
		rows = append(rows, finishRow(r, t, pk))
		return t, true
	}
	timeIt("fwd", func(b int) (func(), func()) { return nop, fwdAt(b) })
	if _, ok := passes["fwd_eval"]; ok {
		timeIt("fwd_eval", func(b int) (func(), func()) {
			xb, _ := view(b)
			return nop, func() { l.Forward(xb, layers.Mode{}) }
		})
	}
	bwd := func(needDX bool) work {
		return func(b int) (func(), func()) {
			_, dyb := view(b)
			return fwdAt(b), func() { l.Backward(dyb, needDX) }
		}
	}
	if _, ok := passes["bwd"]; ok {
		timeIt("bwd", bwd(true))
	}
	if _, ok := passes["bwd_params"]; ok {
		tp, ok := timeIt("bwd_params", bwd(false))
		if _, has := passes["bwd_data"]; has {
			r := row("bwd_data")
			r.Derived = true
			if !ok {
				r.Status, r.Note = "skipped", "bwd_params was skipped"
				rows = append(rows, r)
				return rows
			}
			setup, f := bwd(true)(n)
			setup()
			tb := measure(d, budget{Runs: plan.runs, MaxTime: plan.rowBudget}, f)
			if tp.Runs == 1 {
				tb = measure(d, budget{Runs: 1}, f)
			}
			r.Status = "ok"
			t := Timing{Min: max(tb.Min-tp.Min, 0), Median: max(tb.Median-tp.Median, 0), Runs: min(tb.Runs, tp.Runs), Clock: tb.Clock}
			r.Note = fmt.Sprintf("bwd (data+params) %.3f ms minus bwd_params", ms(tb.Min))
			rows = append(rows, finishRow(r, t, pk))
		}
	}
	return rows
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
						progress(fmt.Sprintf("%s #%d %s %s n=%d", preset, la.Index, la.Item, v, n))
					}
					rows = append(rows, benchLayer(d, pk, plan, la, v, n)...)
				}
			}
		}
	}
	return rows, nil
}
