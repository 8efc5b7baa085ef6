package bench

import (
	"strings"
	"testing"

	"github.com/glcnn/glcnn/gpu"
)

// TestMarkdownStatesMeasuredFacts: the generated page describes the
// machine the report was measured on (its renderer and core count, which
// rows were skipped), not a fixed one.
func TestMarkdownStatesMeasuredFacts(t *testing.T) {
	r := &Report{
		Command: "glcnn bench", Date: "2026-12-01",
		Machine: Machine{CPU: "Some CPU", Cores: 16, OS: "linux/amd64", Go: "go1.x"},
		Device:  gpu.Info{Renderer: "SwiftShader Device (LLVM 16)", Software: true},
		Kernels: []KernelRow{
			{Preset: "best", Op: "conv:64:3", Variant: "direct", Pass: "fwd", Status: "skipped"},
			{Preset: "best", Op: "conv:64:3", Variant: "blocked", Pass: "fwd", Status: "ok"},
		},
		ElapsedS: 123,
	}
	var b strings.Builder
	r.markdown(&b)
	page := b.String()
	for _, want := range []string{"SwiftShader Device (LLVM 16), implements GL in software", "16 cores here",
		"this run skipped 1 of 2 rows: conv/direct", "123 s for this report", "[performance.md](performance.md)"} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	for _, stale := range []string{"two cores", "2 cores", "other developers", "2 threads", "Mesa's llvmpipe:"} {
		if strings.Contains(page, stale) {
			t.Errorf("the page claims %q, which this report did not measure", stale)
		}
	}
}
