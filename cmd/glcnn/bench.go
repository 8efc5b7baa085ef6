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
		flags: func(fs *pflag.FlagSet) func([]string) error {
			var g gpuFlags
			g.add(fs)
			var o bench.Options
			fs.BoolVar(&o.Quick, "quick", false, "a short run (under a minute on llvmpipe): fewer presets, batches and runs")
			jsonOut := fs.String("json", "", "also write the report as JSON to `FILE`")
			compare := fs.String("compare", "", "print the ratio of every row to a previous --json `FILE`")
			md := fs.String("markdown", "", "also write the report as Markdown to `FILE` (docs/benchmarks.md)")
			torch := fs.String("torch", "", "PyTorch baseline `FILE` from scripts/torch_baseline.py --json, for the ratio column")
			presets := fs.String("presets", "", "comma-separated presets (default tutorial,default,best; --quick tutorial,default)")
			batches := fs.IntSlice("batches", nil, "kernel benchmark batches (default 1,64,256 and the tutorial's 8192-row chunk)")
			fs.Var(countValue{&o.Runs}, "runs", "timed runs per kernel (default 5, --quick 3)")
			fs.DurationVar(&o.MaxRowTime, "max-row-time", 0, "time a kernel by one run when its first run takes longer (default 1s, --quick 300ms)")
			fs.DurationVar(&o.SkipTime, "skip-time", 0, "skip a kernel whose run is estimated to take longer (default 2s, --quick 1s; -1s: never)")
			fs.BoolVar(&o.NoKernels, "no-kernels", false, "skip the per-kernel benchmark")
			fs.BoolVar(&o.NoEndToEnd, "no-e2e", false, "skip the end-to-end benchmark")
			fs.BoolVar(&o.NoStartup, "no-startup", false, "skip the start-up benchmark")
			fs.StringVar(&o.DataDir, "data", "", "Fashion-MNIST folder for the end-to-end run (default "+data.DefaultDir+")")
			saved := fs.String("report", "", "print a saved --json `FILE` (with --torch, --markdown, --compare) instead of measuring")
			child := fs.Bool("startup-child", false, "internal: measure one start-up and print it as JSON")
			fs.MarkHidden("startup-child")
			return func(args []string) error {
				if err := noArgs(args); err != nil {
					return err
				}
				if *presets != "" {
					o.Presets = strings.Split(*presets, ",")
				}
				if *child {
					return bench.StartupChild(g.opt, o.Presets)
				}
				for _, b := range *batches {
					if b < 1 {
						return usagef("--batches %d: every batch must be at least 1", b)
					}
				}
				o.Batches = *batches
				o.Command = "glcnn bench " + strings.Join(os.Args[2:], " ")
				o.Progress = os.Stderr
				if self, err := os.Executable(); err == nil {
					o.StartupArgv = []string{self, "bench", "--startup-child", "--context", g.opt.Context}
					if o.Quick || o.Presets != nil {
						o.StartupArgv = append(o.StartupArgv, "--presets", strings.Join(o.PresetList(), ","))
					}
				}
				var old *bench.Report
				if *compare != "" {
					var err error
					if old, err = bench.ReadReport(*compare); err != nil {
						return usagef("--compare: %v", err)
					}
				}
				start := time.Now()
				var rep *bench.Report
				if *saved != "" {
					var err error
					if rep, err = bench.ReadReport(*saved); err != nil {
						return usagef("--report: %v", err)
					}
				} else {
					d, err := g.open()
					if err != nil {
						return err
					}
					rep, err = bench.Run(d, o)
					d.Close()
					if err != nil {
						return err
					}
				}
				if *torch != "" {
					if err := rep.AddTorch(*torch); err != nil {
						return fmt.Errorf("--torch: %w", err)
					}
				}
				rep.Print(os.Stdout)
				if old != nil {
					rep.PrintCompare(os.Stdout, old)
				}
				if *jsonOut != "" {
					if err := rep.WriteJSON(*jsonOut); err != nil {
						return err
					}
				}
				if *md != "" {
					if err := rep.WriteMarkdown(*md); err != nil {
						return err
					}
				}
				fmt.Fprintf(os.Stderr, "bench: done in %s\n", time.Since(start).Round(time.Second))
				return nil
			}
		},
	})
}
