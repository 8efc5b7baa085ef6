package bench

import (
	"strings"
	"testing"
)

// row is an ok kernel row of the default preset at batch 128.
func row(layer int, op, variant, pass string, minMs float64) KernelRow {
	return KernelRow{Preset: "default", Layer: layer, Op: op, Variant: variant, Pass: pass, Batch: 128, Status: "ok", MinMs: minMs}
}

// compareReports are an old report with bn and relu apart and conv on vec,
// and a new one with them fused and conv on winograd, a new fc row and an
// old maxpool row with no counterpart, and a row skipped now.
func compareReports() (old, cur *Report) {
	old = &Report{Date: "old", Kernels: []KernelRow{
		row(0, "conv:16:3", "vec", "fwd", 4),
		row(1, "maxpool:2", "", "fwd", 1),
		row(2, "bn", "", "fwd", 2),
		row(2, "bn", "", "fwd_eval", 1),
		row(2, "bn", "", "bwd", 3),
		row(3, "relu", "", "fwd", 0.5),
		row(3, "relu", "", "bwd", 0.5),
		row(9, "fc:64", "blocked", "fwd", 2),
	}}
	skipped := row(9, "fc:64", "blocked", "fwd", 0)
	skipped.Status = "skipped"
	cur = &Report{Date: "new", Kernels: []KernelRow{
		row(0, "conv:16:3", "winograd", "fwd", 2),
		row(2, "bn+relu", "", "fwd", 1.25),
		row(2, "bn+relu", "", "fwd_eval", 0.75),
		row(2, "bn+relu", "", "bwd", 2),
		skipped,
		row(11, "fc:10", "blocked", "fwd", 0.1),
	}}
	return old, cur
}

// TestCompareMatchesAcrossFusionAndVariants: a fused row is compared with
// the sum of its layers' old rows (relu's fwd standing in for its eval
// forward), a changed variant with the old one, and nothing is dropped.
func TestCompareMatchesAcrossFusionAndVariants(t *testing.T) {
	old, cur := compareReports()
	var b strings.Builder
	cur.PrintCompare(&b, old)
	out := b.String()
	for _, want := range []string{
		"default#2 bn+relu fwd n=128 (old: bn + relu)  2.50  1.25  ms  2.00x",
		"default#2 bn+relu fwd_eval n=128 (old: bn fwd_eval + relu fwd)  1.50  0.75  ms  2.00x",
		"default#2 bn+relu bwd n=128 (old: bn + relu)  3.50  2.00  ms  1.75x",
		"default#0 conv:16:3 fwd n=128 (variant vec -> winograd)  4.00  2.00  ms  2.00x",
		"default#9 fc:64/blocked fwd n=128  2.00  -  ms  -  new: fc:64 fwd skipped",
		"default#11 fc:10/blocked fwd n=128  -  0.1  ms  -  new only",
		"default#1 maxpool:2 fwd n=128  1.00  -  ms  -  old only",
		"kernel rows: 4 compared (4 across a fusion or a variant change), 1 new only, 1 old only",
	} {
		if !strings.Contains(squeeze(out), want) {
			t.Errorf("the comparison lacks %q:\n%s", want, out)
		}
	}
	for _, k := range old.Kernels { // the bn and relu rows went into the fused ones
		if strings.Contains(out, k.Key()) && (k.Op == "bn" || k.Op == "relu") {
			t.Errorf("old row %s listed on its own:\n%s", k.Key(), out)
		}
	}
}

// TestCompareUndoneFusion: the other way round, an old fused row against
// the new rows of its layers.
func TestCompareUndoneFusion(t *testing.T) {
	old, cur := compareReports()
	ms := matchKernels(cur.Kernels, old.Kernels)
	var names []string
	for _, m := range ms {
		names = append(names, m.name)
		if m.how == "fusion" && (len(m.old) != 1 || len(m.new) != 2) {
			t.Errorf("%s: %d old rows and %d new, want 1 and 2", m.name, len(m.old), len(m.new))
		}
	}
	for _, want := range []string{"default#2 bn fwd + relu fwd n=128 (old: bn+relu fwd)",
		"default#2 bn fwd_eval + relu fwd n=128 (old: bn+relu fwd_eval)", "default#2 bn bwd + relu bwd n=128 (old: bn+relu bwd)"} {
		if !strings.Contains(strings.Join(names, "\n"), want) {
			t.Errorf("no match %q in\n%s", want, strings.Join(names, "\n"))
		}
	}
}

// TestCompareSeveralVariants: rows of one unit left on both sides (several
// variants each) are not paired by guess; an exact variant still matches.
func TestCompareSeveralVariants(t *testing.T) {
	old := []KernelRow{row(0, "conv:16:3", "direct", "fwd", 9), row(0, "conv:16:3", "vec", "fwd", 4), row(0, "conv:16:3", "old1", "fwd", 5)}
	cur := []KernelRow{row(0, "conv:16:3", "direct", "fwd", 9), row(0, "conv:16:3", "vec2", "fwd", 3), row(0, "conv:16:3", "winograd", "fwd", 3)}
	var got []string
	for _, m := range matchKernels(old, cur) {
		got = append(got, m.cells()[4]+" "+m.cells()[5])
	}
	want := "1.00x |- new only|- new only|- old only|- old only"
	if s := strings.Join(got, "|"); s != want {
		t.Errorf("got %q, want %q", s, want)
	}
}

// squeeze collapses runs of spaces to two, as between the table's columns.
func squeeze(s string) string {
	for strings.Contains(s, "   ") {
		s = strings.ReplaceAll(s, "   ", "  ")
	}
	return s
}
