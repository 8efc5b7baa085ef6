package bench

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/glcnn/glcnn/data"
	"github.com/glcnn/glcnn/gpu"
)

// Options choose what Run measures. The zero value is the default run
// (under 10 minutes on llvmpipe on two cores); Quick is the one-minute one.
type Options struct {
	Quick bool
	// Presets to benchmark; nil means tutorial, default and best (Quick:
	// tutorial and default).
	Presets []string
	// Batches overrides the kernel benchmark's batches (default 1, 64, 256
	// and, for the tutorial, its full batch as one 8192-row chunk; Quick 1
	// and 64).
	Batches []int
	// Runs is the number of timed runs per kernel row (default 5, Quick 3).
	Runs int
	// MaxRowTime: a kernel whose first run at the benchmarked batch takes
	// longer is timed by that one run alone (default 1 s, Quick 0.3 s).
	MaxRowTime time.Duration
	// SkipTime: a kernel whose run at the benchmarked batch is estimated
	// (from one run at an eighth of it) to take longer is reported as
	// skipped, not run (default 8 s, Quick 1 s; negative: never skip).
	SkipTime time.Duration
	// Skip sections: "peaks" is always measured (the roofline needs it).
	NoKernels, NoEndToEnd, NoStartup bool
	// StartupArgv is the command whose process runs StartupChild; nil skips
	// the start-up section.
	StartupArgv []string
	// DataDir is the Fashion-MNIST folder for data.Load ("" = default).
	DataDir string
	// Progress receives one line per step; nil is quiet.
	Progress io.Writer
	Command  string // the command line, recorded in the report
}

// Report is everything a run measured; its JSON is `glcnn bench --json`.
type Report struct {
	Date      string      `json:"date"`
	Command   string      `json:"command"`
	Quick     bool        `json:"quick"`
	Machine   Machine     `json:"machine"`
	Device    gpu.Info    `json:"device"`
	Peaks     Peaks       `json:"peaks"`
	Kernels   []KernelRow `json:"kernels"`
	EndToEnd  []E2ERow    `json:"end_to_end"`
	Startup   *Startup    `json:"startup,omitempty"`
	ElapsedS  float64     `json:"elapsed_s"`
	TorchInfo string      `json:"torch,omitempty"` // the PyTorch baseline's version line
}

// Machine describes the host.
type Machine struct {
	CPU       string `json:"cpu"`
	Cores     int    `json:"cores"`
	MemoryMiB int64  `json:"memory_mib"`
	OS        string `json:"os"`
	Go        string `json:"go"`
	Host      string `json:"host"`
}

func hostMachine() Machine {
	m := Machine{Cores: runtime.NumCPU(), OS: runtime.GOOS + "/" + runtime.GOARCH, Go: runtime.Version()}
	m.Host, _ = os.Hostname()
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPU = strings.TrimSpace(v)
				break
			}
		}
	}
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		var kb int64
		fmt.Sscanf(string(b), "MemTotal: %d kB", &kb)
		m.MemoryMiB = kb / 1024
	}
	return m
}

// PresetList is the presets the run covers.
func (o Options) PresetList() []string {
	if len(o.Presets) > 0 {
		return o.Presets
	}
	if o.Quick {
		return []string{"tutorial", "default"}
	}
	return []string{"tutorial", "default", "best"}
}

func (o Options) plan() kernelPlan {
	p := kernelPlan{presets: o.PresetList(), batches: map[string][]int{}, runs: o.Runs, maxRowTime: o.MaxRowTime, rowBudget: time.Second}
	if p.runs == 0 {
		p.runs = 5
	}
	if p.maxRowTime == 0 {
		p.maxRowTime = time.Second
	}
	p.skipTime = o.SkipTime
	switch {
	case o.SkipTime < 0:
		p.skipTime = 0
	case o.SkipTime == 0 && o.Quick:
		p.skipTime = time.Second
	case o.SkipTime == 0:
		p.skipTime = 2 * time.Second
	}
	if o.Quick {
		p.runs, p.rowBudget = min(p.runs, 3), 300*time.Millisecond
		if o.MaxRowTime == 0 {
			p.maxRowTime = 300 * time.Millisecond
		}
	}
	for _, name := range p.presets {
		b := o.Batches
		if b == nil {
			b = []int{1, 64, 256}
			if o.Quick {
				b = []int{1, 64}
			} else if name == "tutorial" {
				b = append(b, tutorialChunk)
			}
		}
		p.batches[name] = b
	}
	return p
}

// e2eSteps is how many optimizer steps the end-to-end run times per preset.
func (o Options) e2eSteps(preset string) int {
	switch {
	case o.Quick && preset == "default":
		return 4
	case o.Quick:
		return 1
	case preset == "best":
		return 1
	case preset == "tutorial":
		return 2
	}
	return 10
}

func (o Options) logf(format string, a ...any) {
	if o.Progress != nil {
		fmt.Fprintf(o.Progress, format+"\n", a...)
	}
}

// Run measures everything o asks for on d.
func Run(d *gpu.Device, o Options) (*Report, error) {
	start := time.Now()
	rep := &Report{Date: start.UTC().Format(time.RFC3339), Command: o.Command, Quick: o.Quick,
		Machine: hostMachine(), Device: d.Info()}
	o.logf("peaks: probe shaders")
	pk, err := MeasurePeaks(d, o.Quick)
	if err != nil {
		return nil, err
	}
	rep.Peaks = pk
	if !o.NoKernels {
		rows, err := benchKernels(d, pk, o.plan(), func(s string) { o.logf("kernels: %s", s) })
		if err != nil {
			return nil, err
		}
		rep.Kernels = rows
	}
	if !o.NoEndToEnd {
		o.logf("end to end: loading the dataset")
		ds, err := data.Load(o.DataDir, data.LoadOptions{Cache: true})
		if err != nil {
			return nil, err
		}
		for _, name := range o.PresetList() {
			o.logf("end to end: %s", name)
			row, err := benchEndToEnd(d, ds.Train, name, o.e2eSteps(name), o.Quick)
			if err != nil {
				return nil, fmt.Errorf("bench: end to end %s: %w", name, err)
			}
			rep.EndToEnd = append(rep.EndToEnd, row)
		}
	}
	if !o.NoStartup && o.StartupArgv != nil {
		o.logf("start-up: cold and warm child processes")
		st, err := MeasureStartup(o.StartupArgv)
		if err != nil {
			return nil, err
		}
		rep.Startup = st
	}
	rep.ElapsedS = time.Since(start).Seconds()
	return rep, nil
}
