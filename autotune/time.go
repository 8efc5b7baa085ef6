package autotune

import (
	"fmt"
	"time"

	"github.com/glcnn/glcnn/check"
	"github.com/glcnn/glcnn/gpu"
	"github.com/glcnn/glcnn/layers"
)

// pruneRatio: a variant whose estimate (estimate) is more than this many times the best full-rows
// time so far is not run at the full rows: a margin for the estimate's
// error far above the few percent that decide between close variants. On
// llvmpipe it spares the direct kernels, 5-10x slower than the others
// (seconds a run at the tutorial's 8,192-row chunks).
const pruneRatio = 3

// stopRatio: timed runs of a variant stop once one is this many times the
// best variant's time (after the second: the first at the full rows may
// still compile a program that only large batches use).
const stopRatio = 2

// timeVariant times one pass of la's layer in variant v at req.Batch rows:
// a warm-up (the driver compiles the programs on their first dispatch)
// and, from 32 rows and after the first variant, an estimate from a small
// fraction of the rows (estimate), then up to opt.Runs runs at the full
// rows. best is the best full-rows time of the variants before
// (0: none). A layer that cannot be built, set up or run (a panic: a
// shader the driver cannot compile) gives a Timing with a Note and no time.
func timeVariant(d *gpu.Device, la check.LayerAt, v string, req Request, best float64, opt Options) (t Timing) {
	t.Variant = v
	defer func() {
		if p := recover(); p != nil {
			t = Timing{Variant: v, Note: fmt.Sprintf("error: %v", p)}
		}
	}()
	p, err := newPass(d, la, v, req, opt)
	if err != nil {
		return Timing{Variant: v, Note: "error: " + err.Error()}
	}
	defer p.release()
	n, small := req.Batch, estimateRows(req.Batch)
	p.run(max(1, small, n/16)) // warm-up
	if small > 0 && best > 0 {
		if est, how := p.estimate(n, small, pruneRatio*best); est > pruneRatio*best {
			t.EstimateMs = est
			t.Note = fmt.Sprintf("estimated %.3g ms %s, over %dx the best", est, how, pruneRatio)
			return t
		}
	}
	for t.Runs < opt.Runs {
		dt := msOf(p.run(n))
		t.Runs++
		if t.Ms == 0 || dt < t.Ms {
			t.Ms = dt
		}
		if best > 0 && t.Runs >= 2 && dt > stopRatio*best {
			break
		}
	}
	t.Ms = max(t.Ms, 1e-6) // a timed variant has a time, even on a coarse clock
	return t
}

// estimateRows is the batch a variant's time at n rows is estimated from
// (with batch 1): large enough that the time of the rows shows through the
// fixed cost of the dispatches, small enough that a variant ten times
// slower than the best costs little. 0: n is too small to estimate from
// less.
func estimateRows(n int) int {
	switch {
	case n >= 256:
		return n / 32
	case n >= 32:
		return n / 16
	}
	return 0
}

// estimate is the time of a pass at n rows, in ms, and how it was found.
// A run at small rows (warm: run after the warm-up at that batch) that
// already takes more than bar is a lower bound, enough to drop the
// variant. Otherwise a run at 1 row gives the line through the two: a run
// has a fixed cost (dispatches, barriers) and one growing with the rows,
// and scaling the small run alone would count the fixed cost n/small
// times. The run at 1 row is not warmed up: a program that only it uses
// would be compiled in it, which can only flatten the line (a variant
// kept, never one dropped wrongly). The line is capped by the small run
// scaled (with its fixed cost and all, an upper bound), since its slope is
// a difference of two short times, which a busy machine can make many
// times too steep.
func (p *pass) estimate(n, small int, bar float64) (ms float64, how string) {
	t1 := msOf(p.run(small))
	if t1 > bar {
		return t1, fmt.Sprintf("(at least its time at batch %d)", small)
	}
	t0 := msOf(p.run(1))
	line := t0 + (t1-t0)*float64(n-1)/float64(small-1)
	scaled := t1 * float64(n) / float64(small)
	return max(t1, min(line, scaled)), fmt.Sprintf("from batches 1 and %d", small)
}

// pass is one layer set up for timing, with its input and output
// gradient.
type pass struct {
	d     *gpu.Device
	la    check.LayerAt
	v     string
	train bool
	opt   Options
	l     layers.Layer
	out   []int
	x, dy *layers.Tensor
}

// newPass builds la's layer in variant v for req.Batch rows, with
// deterministic inputs, parameters and output gradient (their values do
// not change the time, but NaNs and denormals could).
func newPass(d *gpu.Device, la check.LayerAt, v string, req Request, opt Options) (*pass, error) {
	p := &pass{d: d, la: la, v: v, train: req.Train, opt: opt}
	p.l = opt.NewLayer(la, v)
	out, err := p.l.Setup(d, la.In, req.Batch)
	if err == nil {
		p.out = out
		p.x, err = layers.NewTensor(d, append([]int{req.Batch}, la.In...)...)
	}
	if err == nil {
		p.dy, err = layers.NewTensor(d, append([]int{req.Batch}, out...)...)
	}
	if err != nil {
		p.release()
		return nil, err
	}
	p.x.Buf.Upload(pattern(p.x.Len(), 1))
	p.dy.Buf.Upload(pattern(p.dy.Len(), 0.01))
	for _, pa := range p.l.Params() {
		v := pattern(pa.Value.Len(), 0.1)
		if pa.Name == "running_var" {
			for i := range v {
				v[i] = 1
			}
		}
		pa.Value.Buf.Upload(v)
	}
	return p, nil
}

// pattern is n values in [-scale/2, scale/2), a fixed sequence.
func pattern(n int, scale float32) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = scale * (float32((i*7919)%2003)/2003 - 0.5)
	}
	return v
}

// run times one pass at m rows: the training forward and the backward
// (the input gradient for every layer but the spec's first, as
// trainer.Model.Backward asks), or the eval forward.
func (p *pass) run(m int) time.Duration {
	x := p.x.View(append([]int{m}, p.la.In...)...)
	dy := p.dy.View(append([]int{m}, p.out...)...)
	f := func() { p.l.Forward(x, layers.Mode{}) }
	if p.train {
		f = func() {
			p.l.Forward(x, layers.Mode{Train: true, Seed: 7})
			p.l.Backward(dy, p.la.Index > 0)
		}
	}
	return p.opt.Time(p.la, p.v, m, f)
}

// release frees the layer and the tensors; idempotent.
func (p *pass) release() {
	if p.dy != nil {
		p.dy.Release()
	}
	if p.x != nil {
		p.x.Release()
	}
	if p.l != nil {
		p.l.Release()
	}
}

func msOf(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1e6 }
