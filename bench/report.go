package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
)

// table is a grid of cells printed aligned for a terminal or as Markdown.
type table struct {
	header []string
	rows   [][]string
}

func (t *table) add(cells ...string) { t.rows = append(t.rows, cells) }

// numeric reports whether column i holds numbers (right-aligned).
func (t *table) numeric(i int) bool {
	for _, r := range t.rows {
		c := strings.TrimSuffix(strings.TrimSuffix(r[i], "%"), "x")
		if c == "" || c == "-" {
			continue
		}
		var f float64
		if _, err := fmt.Sscan(c, &f); err != nil {
			return false
		}
	}
	return true
}

func (t *table) text(w io.Writer) {
	width := make([]int, len(t.header))
	for i, h := range t.header {
		width[i] = len(h)
		for _, r := range t.rows {
			width[i] = max(width[i], len([]rune(r[i])))
		}
	}
	line := func(cells []string) {
		var b strings.Builder
		for i, c := range cells {
			pad := strings.Repeat(" ", width[i]-len([]rune(c)))
			if t.numeric(i) {
				b.WriteString(pad + c)
			} else {
				b.WriteString(c + pad)
			}
			if i < len(cells)-1 {
				b.WriteString("  ")
			}
		}
		fmt.Fprintln(w, strings.TrimRight(b.String(), " "))
	}
	line(t.header)
	for _, r := range t.rows {
		line(r)
	}
}

func (t *table) markdown(w io.Writer) {
	fmt.Fprintln(w, "| "+strings.Join(t.header, " | ")+" |")
	seps := make([]string, len(t.header))
	for i := range seps {
		seps[i] = "---"
		if t.numeric(i) {
			seps[i] = "---:"
		}
	}
	fmt.Fprintln(w, "|"+strings.Join(seps, "|")+"|")
	for _, r := range t.rows {
		fmt.Fprintln(w, "| "+strings.Join(r, " | ")+" |")
	}
}

func f1(v float64) string { return fmt.Sprintf("%.1f", v) }

// fg formats with 3 significant digits, plainly.
func fg(v float64) string {
	switch {
	case v == 0:
		return "0"
	case v >= 100:
		return fmt.Sprintf("%.0f", v)
	case v >= 10:
		return fmt.Sprintf("%.1f", v)
	case v >= 1:
		return fmt.Sprintf("%.2f", v)
	}
	return fmt.Sprintf("%.3g", v)
}

func mib(b int64) string { return fmt.Sprintf("%.1f", float64(b)/(1<<20)) }

// Header is the lines that head every output: renderer, driver, software.
func (r *Report) Header() []string {
	in := r.Device
	soft := "no (GPU timer queries)"
	if in.Software {
		soft = "yes — a CPU implementation of GL; timings are wall clock + glFinish"
	}
	m := r.Machine
	return []string{
		fmt.Sprintf("renderer: %s", in.Renderer),
		fmt.Sprintf("driver:   %s (OpenGL %s, %s)", in.Driver, in.Version, in.Context),
		fmt.Sprintf("software renderer: %s", soft),
		fmt.Sprintf("machine:  %s, %d cores, %d MiB, %s, %s", m.CPU, m.Cores, m.MemoryMiB, m.OS, m.Go),
		fmt.Sprintf("date:     %s; command: %s", r.Date, r.Command),
	}
}

// Within20 reports whether the FMA probe agrees with the plain shader.
func (p Peaks) Within20() bool { return p.PlainRatio > 1/1.2 && p.PlainRatio < 1.2 }

func (r *Report) peaksTable() *table {
	p := r.Peaks
	t := &table{header: []string{"probe", "measured", "unit", "how"}}
	ok := "yes"
	if !p.Within20() {
		ok = "NO"
	}
	t.add("FMA fp32", fg(p.FMAGFLOPs), "GFLOP/s", "probes/fma.comp: vec4 fma chains")
	t.add("FMA fp32, plain shader", fg(p.PlainFMAGFLOPs), "GFLOP/s",
		fmt.Sprintf("probes/fma_plain.comp; probe/plain = %.2f, within 20%%: %s", p.PlainRatio, ok))
	t.add("storage read", fg(p.ReadGBs), "GB/s", fmt.Sprintf("%d MiB", p.StreamMiB))
	t.add("storage write", fg(p.WriteGBs), "GB/s", fmt.Sprintf("%d MiB", p.StreamMiB))
	t.add("storage copy", fg(p.CopyGBs), "GB/s", "bytes read + written")
	t.add("ridge point", fg(p.FMAGFLOPs/max(p.BandwidthGBs(), 1e-9)), "FLOP/byte", "FMA peak / best bandwidth")
	return t
}

func (r *Report) kernelTable() *table {
	t := &table{header: []string{"preset", "layer", "input", "variant", "pass", "batch", "min ms", "med ms", "GFLOP/s", "GB/s", "FLOP/B", "bound", "% peak", "status"}}
	for _, k := range r.Kernels {
		status := k.Status
		if k.Note != "" && k.Status != "ok" {
			status += ": " + k.Note
		} else if k.Derived {
			status += " (derived)"
		} else if k.Runs == 1 {
			status += " (1 run)"
		}
		in := strings.Trim(strings.ReplaceAll(fmt.Sprint(k.Input), " ", "x"), "[]")
		if k.Status != "ok" {
			t.add(k.Preset, fmt.Sprintf("#%d %s", k.Layer, k.Op), in, dash(k.Variant), k.Pass, fmt.Sprint(k.Batch),
				"-", "-", "-", "-", "-", "-", "-", status)
			continue
		}
		t.add(k.Preset, fmt.Sprintf("#%d %s", k.Layer, k.Op), in, dash(k.Variant), k.Pass, fmt.Sprint(k.Batch),
			fg(k.MinMs), fg(k.MedianMs), fg(k.GFLOPs), fg(k.GBs), fg(k.Intensity), k.Bound, f1(k.PctPeak)+"%", status)
	}
	return t
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func (r *Report) e2eTable() *table {
	t := &table{header: []string{"preset", "batch", "chunk", "train img/s", "infer img/s", "step ms", "dispatches/step",
		"bytes/epoch (54k)", "dataset MiB", "peak GPU MiB", "PyTorch train img/s", "PyTorch infer img/s", "glcnn/PyTorch (train)"}}
	for _, e := range r.EndToEnd {
		torch, tinf, ratio := "-", "-", "-"
		if e.TorchImgS > 0 {
			torch, tinf, ratio = fg(e.TorchImgS), fg(e.TorchInferImgS), fmt.Sprintf("%.2fx", e.TorchRatio)
		}
		t.add(e.Preset, fmt.Sprint(e.Batch), fmt.Sprint(e.Chunk), fg(e.TrainImgS), fg(e.InferImgS), fg(e.StepMs),
			fmt.Sprint(int(e.DispatchesPerStep)), fmt.Sprint(e.FullEpochBytes), mib(e.DatasetBytes), mib(e.PeakGPUBytes), torch, tinf, ratio)
	}
	return t
}

func (r *Report) startupTable() *table {
	t := &table{header: []string{"case", "context ms", "programs ms", "first step ms", "total ms", "programs", "cache hits", "front end ms", "first dispatches ms"}}
	for _, s := range r.Startup.Runs {
		t.add(s.Case, fg(s.ContextMs), fg(s.ProgramsMs), fg(s.FirstStepMs), fg(s.TotalMs), fmt.Sprint(s.Programs), fmt.Sprint(s.CacheHits),
			fg(s.BuildMs), fg(s.FirstDispatchMs))
	}
	return t
}

// Print writes the report as terminal tables.
func (r *Report) Print(w io.Writer) {
	fmt.Fprintln(w, "glcnn bench")
	for _, h := range r.Header() {
		fmt.Fprintln(w, "  "+h)
	}
	section := func(title string, t *table) {
		fmt.Fprintf(w, "\n%s\n", title)
		t.text(w)
	}
	section("Device peaks (the roofline)", r.peaksTable())
	if len(r.Kernels) > 0 {
		section("Kernels (validated against layers/ref, then timed; % of the FMA or bandwidth peak, whichever bounds)", r.kernelTable())
		if t := r.autotuneTable(); len(t.rows) > 0 {
			section("Autotune (per layer and batch, the fastest variant over forward + backward, as package autotune chooses for glcnn train)", t)
		}
	}
	if len(r.EndToEnd) > 0 {
		section("End to end (training and inference on the real Fashion-MNIST)", r.e2eTable())
	}
	if r.Startup != nil {
		section(fmt.Sprintf("Start-up (fresh processes; cold/warm %.2fx, cold/warm+driver %.2fx)", r.Startup.Speedup, r.Startup.DriverSpeedup), r.startupTable())
	}
	fmt.Fprintf(w, "\n%.0f s\n", r.ElapsedS)
}

// WriteJSON writes the report to path.
func (r *Report) WriteJSON(path string) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

// ReadReport reads a report written by WriteJSON.
func ReadReport(path string) (*Report, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var r Report
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("bench: %s: %w", path, err)
	}
	return &r, nil
}

// TorchResult is one line of scripts/torch_baseline.py --json.
type TorchResult struct {
	Preset    string  `json:"preset"`
	Batch     int     `json:"batch"`
	TrainImgS float64 `json:"train_img_s"`
	InferImgS float64 `json:"infer_img_s"`
	Torch     string  `json:"torch"`
	Threads   int     `json:"threads"`
}

// AddTorch reads the PyTorch baseline's JSON (a list of TorchResult) and
// fills the PyTorch columns of the end-to-end rows with the same preset
// and batch.
func (r *Report) AddTorch(path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var res []TorchResult
	if err := json.Unmarshal(b, &res); err != nil {
		return fmt.Errorf("bench: %s: %w", path, err)
	}
	for _, t := range res {
		r.TorchInfo = fmt.Sprintf("PyTorch %s, CPU, %d threads", t.Torch, t.Threads)
		for i := range r.EndToEnd {
			e := &r.EndToEnd[i]
			if e.Preset == t.Preset && e.Batch == t.Batch && t.TrainImgS > 0 {
				e.TorchImgS, e.TorchInferImgS, e.TorchRatio = t.TrainImgS, t.InferImgS, e.TrainImgS/t.TrainImgS
			}
		}
	}
	return nil
}
