package bench

import (
	"strings"
	"testing"
)

// TestAutotuneRows: each variant's passes are summed (fwd_eval left out),
// a variant with a pass not timed is not ranked, and a layer with one
// variant has no row.
func TestAutotuneRows(t *testing.T) {
	row := func(layer int, v, pass string, ms float64, status string) KernelRow {
		return KernelRow{Preset: "default", Layer: layer, Op: "conv:16:3", Input: []int{1, 28, 28}, Variant: v, Pass: pass, Batch: 64, MinMs: ms, Status: status}
	}
	r := &Report{Kernels: []KernelRow{
		row(0, "direct", "fwd", 9, "ok"), row(0, "direct", "bwd_params", 9, "skipped"), row(0, "direct", "bwd_data", 0, "skipped"),
		row(0, "blocked", "fwd", 2, "ok"), row(0, "blocked", "bwd_params", 3, "ok"), row(0, "blocked", "bwd_data", 3, "ok"),
		row(0, "vec", "fwd", 1, "ok"), row(0, "vec", "bwd_params", 2, "ok"), row(0, "vec", "bwd_data", 1, "ok"), row(0, "vec", "fwd_eval", 50, "ok"),
		row(1, "", "fwd", 1, "ok"),
	}}
	rows := r.AutotuneRows()
	if len(rows) != 1 {
		t.Fatalf("%d rows, want 1: %+v", len(rows), rows)
	}
	a := rows[0]
	if a.Winner != "vec" || a.WinMs != 4 || a.RunnerUp != "blocked" || a.RunMs != 8 || a.Ratio != 2 {
		t.Errorf("%+v", a)
	}
	var b strings.Builder
	r.autotuneTable().text(&b)
	if !strings.Contains(b.String(), "#0 conv:16:3  1x28x28") || !strings.Contains(b.String(), "2.00x") {
		t.Errorf("table:\n%s", b.String())
	}
}
