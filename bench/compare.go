package bench

import (
	"fmt"
	"io"
	"math"
	"strings"
)

// PrintCompare writes, for every row of either report, the ratio of this
// report's figure to the old one's: speed-ups above 1 mean faster now.
// Kernels compare min times (old/new), end to end img/s (new/old), peaks
// and start-up likewise. Kernel rows are matched by KernelRow.Key, then
// across a fusion (a fused unit's row against the sum of its layers' rows,
// either way round) and across a variant change; a row left without a
// counterpart is listed as "new only" or "old only", and a row that was not
// timed (skipped, failed) says so in the note, so that no row drops out of
// the comparison unseen.
func (r *Report) PrintCompare(w io.Writer, old *Report) {
	fmt.Fprintf(w, "\nCompared with %s (%s, %s)\n", old.Date, old.Device.Renderer, old.Device.Driver)
	if old.Device.Renderer != r.Device.Renderer || old.Device.Driver != r.Device.Driver {
		fmt.Fprintln(w, "  note: another renderer or driver; ratios compare devices as well as code")
	}
	t := &table{header: []string{"row", "old", "new", "unit", "speed-up", "note"}}
	ratio := func(name, unit string, o, n float64, higherBetter bool) {
		if o <= 0 || n <= 0 {
			return
		}
		t.add(name, fg(o), fg(n), unit, speedup(o, n, higherBetter), "")
	}
	ratio("peak FMA", "GFLOP/s", old.Peaks.FMAGFLOPs, r.Peaks.FMAGFLOPs, true)
	ratio("peak copy", "GB/s", old.Peaks.CopyGBs, r.Peaks.CopyGBs, true)
	ms := matchKernels(old.Kernels, r.Kernels)
	for _, m := range ms {
		t.add(m.cells()...)
	}
	compareEndToEnd(t, old.EndToEnd, r.EndToEnd)
	if old.Startup != nil && r.Startup != nil {
		compareStartup(t, old.Startup.Runs, r.Startup.Runs)
	}
	t.text(w)
	if len(ms) > 0 {
		fmt.Fprintln(w, kernelSummary(ms))
	}
}

// speedup is "1.23x": o/n for times, n/o for rates.
func speedup(o, n float64, higherBetter bool) string {
	if higherBetter {
		return fmt.Sprintf("%.2fx", n/o)
	}
	return fmt.Sprintf("%.2fx", o/n)
}

// kernelMatch is one line of the kernel comparison: the rows of each report
// that do the same work. A side holds one row, several when the other side
// fused them into one unit (their times are summed), or none.
type kernelMatch struct {
	name     string
	old, new []KernelRow
	how      string // "", "fusion" or "variant": what the match crossed
}

// unitKey identifies a layer's pass regardless of its variant.
func unitKey(preset string, layer int, op, pass string, batch int) string {
	return fmt.Sprintf("%s#%d %s %s n=%d", preset, layer, op, pass, batch)
}

func (k KernelRow) unitKey() string { return unitKey(k.Preset, k.Layer, k.Op, k.Pass, k.Batch) }

// rowIndex finds a report's kernel rows by key and by unit.
type rowIndex struct {
	rows   []KernelRow
	byKey  map[string]int
	byUnit map[string][]int
	used   []bool // matched to a row of the other report
}

func newRowIndex(rows []KernelRow) *rowIndex {
	x := &rowIndex{rows: rows, byKey: map[string]int{}, byUnit: map[string][]int{}, used: make([]bool, len(rows))}
	for i, k := range rows {
		x.byKey[k.Key()] = i
		x.byUnit[k.unitKey()] = append(x.byUnit[k.unitKey()], i)
	}
	return x
}

// find is the row of one layer's pass: the one of the given variant, else
// the layer's only row of that pass whatever its variant; -1 when neither.
// A layer with no fwd_eval row runs its training forward in eval mode, so
// its fwd row stands in for fwd_eval.
func (x *rowIndex) find(preset string, layer int, op, variant, pass string, batch int) int {
	is := x.byUnit[unitKey(preset, layer, op, pass, batch)]
	for _, i := range is {
		if x.rows[i].Variant == variant {
			return i
		}
	}
	if len(is) == 1 {
		return is[0]
	}
	if len(is) == 0 && pass == "fwd_eval" {
		return x.find(preset, layer, op, variant, "fwd", batch)
	}
	return -1
}

// components are the rows, in the other report, of the layers a fused row
// (op "bn+relu" at layer L: bn at L, relu at L+1) computes; nil unless every
// one is there. The head keeps the fused row's variant; the layers fused
// into it run their only form.
func (x *rowIndex) components(k KernelRow) []int {
	ops := strings.Split(k.Op, "+")
	if len(ops) < 2 {
		return nil
	}
	var is []int
	for j, op := range ops {
		v := ""
		if j == 0 {
			v = k.Variant
		}
		i := x.find(k.Preset, k.Layer+j, op, v, k.Pass, k.Batch)
		if i < 0 {
			return nil
		}
		is = append(is, i)
	}
	return is
}

// matchKernels pairs the rows of the old and the new report, in the new
// report's order, then the old rows nothing matched.
func matchKernels(oldRows, newRows []KernelRow) []kernelMatch {
	old, cur := newRowIndex(oldRows), newRowIndex(newRows)
	at := make([][]kernelMatch, len(newRows)) // the matches listed at each new row
	add := func(i int, m kernelMatch) { at[i] = append(at[i], m) }
	for i, k := range newRows { // the same row
		if j, ok := old.byKey[k.Key()]; ok {
			old.used[j], cur.used[i] = true, true
			add(i, kernelMatch{name: k.Key(), old: pick(oldRows, j), new: pick(newRows, i)})
		}
	}
	matchFused(old, cur, add)
	matchVariants(old, cur, add)
	var out []kernelMatch
	for i, k := range newRows {
		out = append(out, at[i]...)
		if !cur.used[i] {
			out = append(out, kernelMatch{name: k.Key(), new: pick(newRows, i)})
		}
	}
	for j, k := range oldRows {
		if !old.used[j] {
			out = append(out, kernelMatch{name: k.Key(), old: pick(oldRows, j)})
		}
	}
	return out
}

func pick(rows []KernelRow, is ...int) []KernelRow {
	out := make([]KernelRow, len(is))
	for n, i := range is {
		out[n] = rows[i]
	}
	return out
}

// matchFused pairs a fused row of either report with its layers' rows in
// the other: the new bn+relu row with the old bn and relu rows, or, were
// the fusion undone, the old bn+relu row with the new bn and relu rows
// (listed at the first of them).
func matchFused(old, cur *rowIndex, add func(int, kernelMatch)) {
	for i, k := range cur.rows {
		if cur.used[i] {
			continue
		}
		if js := old.components(k); js != nil {
			cur.used[i] = true
			for _, j := range js {
				old.used[j] = true
			}
			add(i, kernelMatch{name: fmt.Sprintf("%s (old: %s)", k.Key(), parts(pick(old.rows, js...), k.Pass)),
				old: pick(old.rows, js...), new: pick(cur.rows, i), how: "fusion"})
		}
	}
	for j, k := range old.rows {
		if old.used[j] {
			continue
		}
		if is := cur.components(k); is != nil {
			old.used[j] = true
			for _, i := range is {
				cur.used[i] = true
			}
			name := fmt.Sprintf("%s#%d %s n=%d (old: %s)", k.Preset, k.Layer, parts(pick(cur.rows, is...), ""), k.Batch, opPass(k))
			add(is[0], kernelMatch{name: name, old: pick(old.rows, j), new: pick(cur.rows, is...), how: "fusion"})
		}
	}
}

// parts names the rows of a sum: "bn + relu" when each ran pass, else
// each with its own ("bn fwd_eval + relu fwd"); pass "" always names them.
func parts(rows []KernelRow, pass string) string {
	same := pass != ""
	for _, k := range rows {
		same = same && k.Pass == pass
	}
	s := make([]string, len(rows))
	for n, k := range rows {
		s[n] = k.Op
		if !same {
			s[n] = k.Op + " " + k.Pass
		}
	}
	return strings.Join(s, " + ")
}

func opPass(k KernelRow) string { return k.Op + " " + k.Pass }

// matchVariants pairs the rows of one layer's pass whose variants differ
// (a new default, a renamed variant, an autotuned choice): when either
// report has a single row left for the unit, it is compared with each of
// the other's. Several on both sides stay unmatched: which to pair is a
// guess.
func matchVariants(old, cur *rowIndex, add func(int, kernelMatch)) {
	for i, k := range cur.rows {
		if cur.used[i] {
			continue
		}
		var olds, news []int
		for _, j := range old.byUnit[k.unitKey()] {
			if !old.used[j] {
				olds = append(olds, j)
			}
		}
		for _, n := range cur.byUnit[k.unitKey()] {
			if !cur.used[n] {
				news = append(news, n)
			}
		}
		if len(olds) == 0 || len(olds) > 1 && len(news) > 1 {
			continue
		}
		for _, n := range news {
			for _, j := range olds {
				name := fmt.Sprintf("%s (variant %s -> %s)", k.unitKey(), dash(old.rows[j].Variant), dash(cur.rows[n].Variant))
				add(n, kernelMatch{name: name, old: pick(old.rows, j), new: pick(cur.rows, n), how: "variant"})
				old.used[j] = true
			}
			cur.used[n] = true
		}
	}
}

// sideMs is the summed min ms of a side's rows, and what kept it from
// being a time: "" when every row was timed.
func sideMs(rows []KernelRow) (float64, string) {
	var sum float64
	var bad []string
	for _, k := range rows {
		if k.Status != "ok" {
			bad = append(bad, fmt.Sprintf("%s %s %s", k.Op, k.Pass, k.Status))
		}
		sum += k.MinMs
	}
	return sum, strings.Join(bad, ", ")
}

// ratio is old ms / new ms; ok is false when there is none to take.
func (m kernelMatch) ratio() (float64, bool) {
	if len(m.old) == 0 || len(m.new) == 0 {
		return 0, false
	}
	o, ob := sideMs(m.old)
	n, nb := sideMs(m.new)
	if ob != "" || nb != "" || o <= 0 || n <= 0 {
		return 0, false
	}
	return o / n, true
}

// cells are the match's row of the comparison table.
func (m kernelMatch) cells() []string {
	o, ob := sideMs(m.old)
	n, nb := sideMs(m.new)
	oldCell, newCell, note := "-", "-", ""
	var notes []string
	switch {
	case len(m.old) == 0:
		notes = append(notes, "new only")
	case len(m.new) == 0:
		notes = append(notes, "old only")
	}
	if len(m.old) > 0 && ob == "" {
		oldCell = fg(o)
	} else if ob != "" {
		notes = append(notes, "old: "+ob)
	}
	if len(m.new) > 0 && nb == "" {
		newCell = fg(n)
	} else if nb != "" {
		notes = append(notes, "new: "+nb)
	}
	s := "-"
	if r, ok := m.ratio(); ok {
		s = fmt.Sprintf("%.2fx", r)
	} else if ob == "" && nb == "" && len(m.old) > 0 && len(m.new) > 0 {
		notes = append(notes, "derived 0 ms (within the noise): no ratio")
	}
	note = strings.Join(notes, "; ")
	return []string{m.name, oldCell, newCell, "ms", s, note}
}

// kernelSummary counts the kernel matches and gives their geometric mean
// speed-up.
func kernelSummary(ms []kernelMatch) string {
	var compared, crossed, newOnly, oldOnly int
	var logSum float64
	for _, m := range ms {
		switch {
		case len(m.old) == 0:
			newOnly++
		case len(m.new) == 0:
			oldOnly++
		}
		if r, ok := m.ratio(); ok {
			compared++
			logSum += math.Log(r)
			if m.how != "" {
				crossed++
			}
		}
	}
	s := fmt.Sprintf("kernel rows: %d compared (%d across a fusion or a variant change), %d new only, %d old only",
		compared, crossed, newOnly, oldOnly)
	if compared > 0 {
		s += fmt.Sprintf("; geometric mean speed-up %.2fx", math.Exp(logSum/float64(compared)))
	}
	return s
}

// compareEndToEnd adds the end-to-end rows, matched by preset and batch.
func compareEndToEnd(t *table, old, cur []E2ERow) {
	key := func(e E2ERow) string { return fmt.Sprintf("%s n=%d", e.Preset, e.Batch) }
	oldE := map[string]E2ERow{}
	for _, e := range old {
		oldE[key(e)] = e
	}
	seen := map[string]bool{}
	for _, e := range cur {
		o, ok := oldE[key(e)]
		if !ok {
			t.add(key(e)+" train", "-", fg(e.TrainImgS), "img/s", "-", "new only")
			continue
		}
		seen[key(e)] = true
		for _, c := range []struct {
			what string
			o, n float64
		}{{"train", o.TrainImgS, e.TrainImgS}, {"inference", o.InferImgS, e.InferImgS}} {
			if c.o > 0 && c.n > 0 {
				t.add(key(e)+" "+c.what, fg(c.o), fg(c.n), "img/s", speedup(c.o, c.n, true), "")
			}
		}
	}
	for _, e := range old {
		if !seen[key(e)] {
			t.add(key(e)+" train", fg(e.TrainImgS), "-", "img/s", "-", "old only")
		}
	}
}

// compareStartup adds the start-up rows, matched by case.
func compareStartup(t *table, old, cur []StartupRun) {
	oldS := map[string]StartupRun{}
	for _, s := range old {
		oldS[s.Case] = s
	}
	for _, s := range cur {
		if o, ok := oldS[s.Case]; ok && o.TotalMs > 0 && s.TotalMs > 0 {
			t.add("start-up "+s.Case, fg(o.TotalMs), fg(s.TotalMs), "ms", speedup(o.TotalMs, s.TotalMs, false), "")
		}
	}
}
