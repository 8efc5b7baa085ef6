package bench

import (
	"fmt"
	"io"
)

// PrintCompare writes, for every row present in both reports, the ratio of
// this report's figure to the old one's: speed-ups above 1 mean faster now.
// Kernels compare min times (old/new), end to end img/s (new/old), peaks
// and start-up likewise.
func (r *Report) PrintCompare(w io.Writer, old *Report) {
	fmt.Fprintf(w, "\nCompared with %s (%s, %s)\n", old.Date, old.Device.Renderer, old.Device.Driver)
	if old.Device.Renderer != r.Device.Renderer || old.Device.Driver != r.Device.Driver {
		fmt.Fprintln(w, "  note: another renderer or driver; ratios compare devices as well as code")
	}
	t := &table{header: []string{"row", "old", "new", "unit", "speed-up"}}
	ratio := func(name, unit string, o, n float64, higherBetter bool) {
		if o <= 0 || n <= 0 {
			return
		}
		s := o / n
		if higherBetter {
			s = n / o
		}
		t.add(name, fg(o), fg(n), unit, fmt.Sprintf("%.2fx", s))
	}
	ratio("peak FMA", "GFLOP/s", old.Peaks.FMAGFLOPs, r.Peaks.FMAGFLOPs, true)
	ratio("peak copy", "GB/s", old.Peaks.CopyGBs, r.Peaks.CopyGBs, true)
	oldK := map[string]KernelRow{}
	for _, k := range old.Kernels {
		oldK[k.Key()] = k
	}
	for _, k := range r.Kernels {
		if o, ok := oldK[k.Key()]; ok && o.Status == "ok" && k.Status == "ok" {
			ratio(k.Key(), "ms", o.MinMs, k.MinMs, false)
		}
	}
	oldE := map[string]E2ERow{}
	for _, e := range old.EndToEnd {
		oldE[fmt.Sprint(e.Preset, e.Batch)] = e
	}
	for _, e := range r.EndToEnd {
		if o, ok := oldE[fmt.Sprint(e.Preset, e.Batch)]; ok {
			ratio(e.Preset+" train", "img/s", o.TrainImgS, e.TrainImgS, true)
			ratio(e.Preset+" inference", "img/s", o.InferImgS, e.InferImgS, true)
		}
	}
	if old.Startup != nil && r.Startup != nil {
		for i, s := range r.Startup.Runs {
			if i < len(old.Startup.Runs) && old.Startup.Runs[i].Case == s.Case {
				ratio("start-up "+s.Case, "ms", old.Startup.Runs[i].TotalMs, s.TotalMs, false)
			}
		}
	}
	t.text(w)
}
