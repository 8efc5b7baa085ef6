package bench

import (
	"cmp"
	"fmt"
	"slices"
)

// AutotuneRow is, for one layer of a preset at one batch, the variant the
// kernel table found fastest over a training pass (forward and backward,
// each pass's min), as package autotune would choose it, and by how much.
type AutotuneRow struct {
	Preset   string  `json:"preset"`
	Layer    int     `json:"layer"`
	Op       string  `json:"op"`
	Input    []int   `json:"input"`
	Batch    int     `json:"batch"`
	Winner   string  `json:"winner"`
	WinMs    float64 `json:"winner_ms"`
	RunnerUp string  `json:"runner_up,omitempty"` // "" when only one variant was timed
	RunMs    float64 `json:"runner_up_ms,omitempty"`
	Ratio    float64 `json:"ratio,omitempty"` // RunMs / WinMs
}

// AutotuneRows sums each variant's passes from the kernel rows (fwd and
// bwd, or fwd, bwd_params and the derived bwd_data: the full backward) and
// ranks the variants of every layer that has several; a variant with a
// pass not timed (skipped, failed) is left out.
func (r *Report) AutotuneRows() []AutotuneRow {
	type unit struct {
		preset string
		layer  int
		batch  int
	}
	totals := map[unit]map[string]float64{}
	bad := map[unit]map[string]bool{}
	var order []unit
	first := map[unit]KernelRow{}
	for _, k := range r.Kernels {
		if k.Variant == "" || k.Pass == "fwd_eval" {
			continue
		}
		u := unit{k.Preset, k.Layer, k.Batch}
		if totals[u] == nil {
			totals[u], bad[u], first[u] = map[string]float64{}, map[string]bool{}, k
			order = append(order, u)
		}
		if k.Status != "ok" {
			bad[u][k.Variant] = true
		}
		totals[u][k.Variant] += k.MinMs
	}
	var rows []AutotuneRow
	for _, u := range order {
		type vt struct {
			v  string
			ms float64
		}
		var vs []vt
		for v, ms := range totals[u] {
			if !bad[u][v] {
				vs = append(vs, vt{v, ms})
			}
		}
		if len(totals[u]) < 2 || len(vs) == 0 {
			continue
		}
		slices.SortFunc(vs, func(a, b vt) int { return cmp.Or(cmp.Compare(a.ms, b.ms), cmp.Compare(a.v, b.v)) })
		k := first[u]
		row := AutotuneRow{Preset: u.preset, Layer: u.layer, Op: k.Op, Input: k.Input, Batch: u.batch, Winner: vs[0].v, WinMs: vs[0].ms}
		if len(vs) > 1 && vs[0].ms > 0 {
			row.RunnerUp, row.RunMs, row.Ratio = vs[1].v, vs[1].ms, vs[1].ms/vs[0].ms
		}
		rows = append(rows, row)
	}
	return rows
}

func (r *Report) autotuneTable() *table {
	t := &table{header: []string{"preset", "layer", "input", "batch", "winner", "ms", "runner-up", "ms", "ratio"}}
	for _, a := range r.AutotuneRows() {
		up, upMs, ratio := "-", "-", "-"
		if a.RunnerUp != "" {
			up, upMs, ratio = a.RunnerUp, fg(a.RunMs), fmt.Sprintf("%.2fx", a.Ratio)
		}
		t.add(a.Preset, fmt.Sprintf("#%d %s", a.Layer, a.Op), shapeString(a.Input), fmt.Sprint(a.Batch), a.Winner, fg(a.WinMs), up, upMs, ratio)
	}
	return t
}

func shapeString(s []int) string {
	out := ""
	for i, d := range s {
		if i > 0 {
			out += "x"
		}
		out += fmt.Sprint(d)
	}
	return out
}
