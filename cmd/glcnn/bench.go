package main

import (
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/glcnn/glcnn/bench"
	"github.com/glcnn/glcnn/data"
)

func init() {
	register(&command{
		name:    "bench",
		summary: "measure the device's peaks, every kernel, end-to-end throughput and start-up",
		usage:   "[--quick] [--json FILE] [--compare OLD.json] [--markdown FILE] [--torch TORCH.json]",
		examples: "  glcnn bench                      # about 10 minutes on llvmpipe\n" +
			"  glcnn bench --quick              # under a minute\n" +
			"  glcnn bench --json new.json --compare old.json\n" +
			"  glcnn bench --presets default --no-startup --batches 64",
		flags: benchFlags,
	})
}

// benchCmd are bench's flags.
type benchCmd struct {
	g                                           gpuFlags
	o                                           bench.Options
	jsonOut, compare, md, torch, presets, saved *string
	batches                                     *[]int
	child                                       *bool
}

func benchFlags(fs *pflag.FlagSet) func([]string) error {
	c := &benchCmd{}
	c.g.add(fs)
	o := &c.o
	fs.BoolVar(&o.Quick, "quick", false, "a short run (under a minute on llvmpipe): fewer presets, batches and runs")
	c.jsonOut = fs.String("json", "", "also write the report as JSON to `FILE`")
	c.compare = fs.String("compare", "", "print the ratio of every row to a previous --json `FILE`")
	c.md = fs.String("markdown", "", "also write the report as Markdown to `FILE` (docs/benchmarks.md)")
	c.torch = fs.String("torch", "", "PyTorch baseline `FILE` from scripts/torch_baseline.py --json, for the ratio column")
	c.presets = fs.String("presets", "", "comma-separated presets (default tutorial,default,best; --quick tutorial,default)")
	c.batches = fs.IntSlice("batches", nil, "kernel benchmark batches (default 1,64,256 and the tutorial's 8192-row chunk)")
	fs.Var(countValue{&o.Runs}, "runs", "timed runs per kernel (default 5, --quick 3)")
	fs.DurationVar(&o.MaxRowTime, "max-row-time", 0, "time a kernel by one run when its first run takes longer (default 1s, --quick 300ms)")
	fs.DurationVar(&o.SkipTime, "skip-time", 0, "skip a kernel whose run is estimated to take longer (default 2s, --quick 1s; -1s: never)")
	fs.BoolVar(&o.NoKernels, "no-kernels", false, "skip the per-kernel benchmark")
	fs.BoolVar(&o.NoEndToEnd, "no-e2e", false, "skip the end-to-end benchmark")
	fs.BoolVar(&o.NoStartup, "no-startup", false, "skip the start-up benchmark")
	fs.StringVar(&o.DataDir, "data", "", "Fashion-MNIST folder for the end-to-end run (default "+data.DefaultDir+")")
	c.saved = fs.String("report", "", "print a saved --json `FILE` (with --torch, --markdown, --compare) instead of measuring")
	c.child = fs.Bool("startup-child", false, "internal: measure one start-up and print it as JSON")
	fs.MarkHidden("startup-child")
	return c.run
}

// run is glcnn bench: the options checked, a report measured (or read),
// then printed and written.
func (c *benchCmd) run(args []string) error {
	if err := noArgs(args); err != nil {
		return err
	}
	o := &c.o
	if *c.presets != "" {
		o.Presets = strings.Split(*c.presets, ",")
	}
	if *c.child {
		return bench.StartupChild(c.g.opt, o.Presets)
	}
	for _, b := range *c.batches {
		if b < 1 {
			return usagef("--batches %d: every batch must be at least 1", b)
		}
	}
	o.Batches = *c.batches
	o.Command = "glcnn bench " + strings.Join(os.Args[2:], " ")
	o.Progress = os.Stderr
	if self, err := os.Executable(); err == nil {
		o.StartupArgv = []string{self, "bench", "--startup-child", "--context", c.g.opt.Context}
		if o.Quick || o.Presets != nil {
			o.StartupArgv = append(o.StartupArgv, "--presets", strings.Join(o.PresetList(), ","))
		}
	}
	var old *bench.Report
	if *c.compare != "" {
		var err error
		if old, err = bench.ReadReport(*c.compare); err != nil {
			return usagef("--compare: %v", err)
		}
	}
	start := time.Now()
	rep, err := c.report()
	if err != nil {
		return err
	}
	if err := c.output(rep, old); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "bench: done in %s\n", time.Since(start).Round(time.Second))
	return nil
}

// report is the saved report (--report) or a new measurement, with the
// PyTorch baseline (--torch) added.
func (c *benchCmd) report() (*bench.Report, error) {
	var rep *bench.Report
	if *c.saved != "" {
		var err error
		if rep, err = bench.ReadReport(*c.saved); err != nil {
			return nil, usagef("--report: %v", err)
		}
	} else {
		d, err := c.g.open()
		if err != nil {
			return nil, err
		}
		rep, err = bench.Run(d, c.o)
		d.Close()
		if err != nil {
			return nil, err
		}
	}
	if *c.torch != "" {
		if err := rep.AddTorch(*c.torch); err != nil {
			return nil, fmt.Errorf("--torch: %w", err)
		}
	}
	return rep, nil
}

// output prints rep (and its ratios to old) and writes the --json and
// --markdown files.
func (c *benchCmd) output(rep, old *bench.Report) error {
	rep.Print(os.Stdout)
	if old != nil {
		rep.PrintCompare(os.Stdout, old)
	}
	if *c.jsonOut != "" {
		if err := rep.WriteJSON(*c.jsonOut); err != nil {
			return err
		}
	}
	if *c.md != "" {
		return rep.WriteMarkdown(*c.md)
	}
	return nil
}
