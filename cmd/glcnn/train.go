package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/pflag"
	"golang.org/x/term"

	"github.com/glcnn/glcnn/data"
	"github.com/glcnn/glcnn/trainer"
)

func init() {
	register(&command{
		name:    "train",
		summary: "train a CNN on Fashion-MNIST / Apparels data and write a run folder",
		usage:   "[--data PATH] [--preset NAME | --arch SPEC] [flags]",
		examples: `  glcnn train                                  # the default preset on /usr/share/datasets/fashion-mnist
  glcnn train --preset tutorial                # the article's exact recipe
  glcnn train --arch conv:32:3,bn,relu,maxpool:2,flatten,fc:10 --epochs 5 --lr 0.002
  glcnn train --data ~/apparels --preset best --out runs/best
  glcnn train --resume --out runs/default-20261128-101500

Arch spec (comma-separated, in order):
` + trainer.SpecHelp(),
		flags: trainFlags,
	})
}

func trainFlags(fs *pflag.FlagSet) func([]string) error {
	var g gpuFlags
	var cfg trainer.Config
	preset := fs.String("preset", "default", "configuration preset: default, tutorial, mlp, best")
	fs.StringVar(&cfg.Data, "data", "", "dataset: Fashion-MNIST IDX folder or Apparels folder (default "+data.DefaultDir+")")
	fs.StringVar(&cfg.Arch, "arch", "", "network spec, overrides the preset's (see below)")
	fs.IntVar(&cfg.Epochs, "epochs", 0, "epochs (0: the preset's)")
	fs.IntVar(&cfg.Batch, "batch", -1, "minibatch size, 0 = full batch (-1: the preset's)")
	fs.IntVar(&cfg.Chunk, "chunk", 0, "max rows per forward/backward pass (0: from the device's limits)")
	fs.StringVar(&cfg.Optimizer, "optimizer", "", "sgd, adam or adamw (default: the preset's)")
	fs.Float64Var(&cfg.LR0, "lr", 0, "learning rate (peak for onecycle; 0: the preset's)")
	fs.Float64Var(&cfg.Momentum, "momentum", -1, "SGD momentum (-1: the preset's)")
	fs.BoolVar(&cfg.Nesterov, "nesterov", false, "Nesterov momentum (SGD)")
	fs.Float64Var(&cfg.WeightDecay, "weight-decay", -1, "weight decay (decoupled for adamw; -1: the preset's)")
	fs.StringVar(&cfg.Schedule, "schedule", "", "learning-rate schedule: constant, step, cosine, onecycle")
	fs.IntVar(&cfg.StepEvery, "step-every", 10, "step schedule: epochs between decays")
	fs.Float64Var(&cfg.Gamma, "gamma", 0.1, "step schedule: decay factor")
	fs.Float64Var(&cfg.Smoothing, "label-smoothing", -1, "label smoothing (-1: the preset's)")
	fs.Float64Var(&cfg.Val, "val", -1, "validation fraction, stratified (-1: the preset's, 0.1)")
	fs.Uint64Var(&cfg.Seed, "seed", 1, "seed for initialisation, split, order, dropout and augmentation")
	fs.IntVar(&cfg.Limit, "limit", 0, "use only the first N training images (quick runs)")
	flip := fs.String("flip", "", "random horizontal flips: on/off (default: the preset's)")
	fs.IntVar(&cfg.Shift, "shift", -1, "random shifts of up to N pixels (-1: the preset's)")
	fs.IntVar(&cfg.LogEvery, "log-every", 0, "read the running loss every N steps (0: once per epoch)")
	out := fs.String("out", "", "run folder (default runs/<preset>-<timestamp>; runs/latest points to it)")
	resume := fs.Bool("resume", false, "continue the run in --out from its checkpoint")
	g.add(fs)
	return func(args []string) error {
		if err := noArgs(args); err != nil {
			return err
		}
		p, ok := trainer.Presets[*preset]
		if !ok {
			return usagef("--preset %q: want one of %v", *preset, trainer.PresetNames())
		}
		full := p.Config
		full.Preset = p.Name
		mergeFlags(fs, &full, cfg, *flip)
		if *resume {
			if *out == "" {
				return usagef("--resume needs --out RUN_FOLDER")
			}
			var err error
			if full, err = resumeConfig(fs, *out); err != nil {
				return err
			}
		}
		if err := full.Validate(); err != nil {
			return usageError{err.Error()}
		}
		dir := *out
		if dir == "" {
			dir = filepath.Join("runs", fmt.Sprintf("%s-%s", p.Name, time.Now().Format("20060102-150405")))
		}
		if *resume {
			if _, err := os.Stat(filepath.Join(dir, trainer.CheckpointFile)); err != nil {
				return usagef("--resume: no checkpoint in %s", dir)
			}
		}
		ds, err := data.Load(full.Data, data.LoadOptions{Progress: os.Stderr, Cache: true})
		if err != nil {
			return err
		}
		fmt.Fprintf(os.Stderr, "data: %s\n", ds)
		spec, _ := trainer.ParseSpec(full.Arch)
		if _, err := spec.Shapes([]int{1, ds.Train.H, ds.Train.W}, len(data.ClassNames)); err != nil {
			return usageError{err.Error()} // refused before any work
		}
		dev, err := g.open()
		if err != nil {
			return err
		}
		defer dev.Close()
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		defer stop()
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		if *out == "" {
			linkLatest(dir)
		}
		res, err := trainer.Run(ctx, dev, ds, full, trainer.RunOptions{Dir: dir, Resume: *resume, Log: os.Stdout, Progress: newBar()})
		if err != nil {
			return err
		}
		if res.Interrupted {
			return nil
		}
		fmt.Printf("validation accuracy %s, test accuracy %s, %.0f s of training on %s\n",
			percent(res.ValAcc, "no validation split"), percent(res.TestAcc, "no test labels"), res.TrainSeconds, dev.Info().Renderer)
		fmt.Printf("outputs in %s/\n", dir)
		return nil
	}
}

// resumeConfig reads the configuration of the run in dir: a resumed run
// continues exactly as it started, so only device flags may be given.
func resumeConfig(fs *pflag.FlagSet, dir string) (trainer.Config, error) {
	var cfg trainer.Config
	var changed []string
	fs.Visit(func(f *pflag.Flag) {
		switch f.Name {
		case "resume", "out", "context", "gpu", "gl-debug", "log-every":
		default:
			changed = append(changed, "--"+f.Name)
		}
	})
	if len(changed) > 0 {
		return cfg, usagef("--resume continues with the run's own config.json; drop %v", changed)
	}
	raw, err := os.ReadFile(filepath.Join(dir, trainer.ConfigFile))
	if err != nil {
		return cfg, usagef("--resume: %v", err)
	}
	if err := json.Unmarshal(raw, &cfg); err != nil {
		return cfg, fmt.Errorf("--resume: %s: %v", filepath.Join(dir, trainer.ConfigFile), err)
	}
	return cfg, nil
}

// mergeFlags overrides the preset with every flag the user set.
func mergeFlags(fs *pflag.FlagSet, dst *trainer.Config, f trainer.Config, flip string) {
	set := func(name string) bool { return fs.Changed(name) }
	if set("data") {
		dst.Data = f.Data
	}
	if set("arch") {
		dst.Arch, dst.Preset = f.Arch, dst.Preset+"+arch"
	}
	if set("epochs") {
		dst.Epochs = f.Epochs
	}
	if set("batch") {
		dst.Batch = f.Batch
	}
	if set("chunk") {
		dst.Chunk = f.Chunk
	}
	if set("optimizer") {
		dst.Optimizer = f.Optimizer
	}
	if set("lr") {
		dst.LR0 = f.LR0
	}
	if set("momentum") {
		dst.Momentum = f.Momentum
	}
	if set("nesterov") {
		dst.Nesterov = f.Nesterov
	}
	if set("weight-decay") {
		dst.WeightDecay = f.WeightDecay
	}
	if set("schedule") {
		dst.Schedule = f.Schedule
	}
	dst.StepEvery, dst.Gamma = f.StepEvery, f.Gamma
	if set("label-smoothing") {
		dst.Smoothing = f.Smoothing
	}
	if set("val") {
		dst.Val = f.Val
	}
	if set("seed") {
		dst.Seed = f.Seed
	}
	dst.Limit = f.Limit
	if flip != "" {
		dst.Flip = flip == "on" || flip == "true" || flip == "1"
	}
	if set("shift") {
		dst.Shift = f.Shift
	}
	dst.LogEvery = f.LogEvery
}

// linkLatest points runs/latest at dir, a default run folder (best effort).
func linkLatest(dir string) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return
	}
	latest := filepath.Join(filepath.Dir(abs), "latest")
	tmp := latest + ".tmp"
	os.Remove(tmp)
	if os.Symlink(filepath.Base(abs), tmp) == nil {
		os.Rename(tmp, latest)
	}
}

// bar shows per-step progress on a terminal; elsewhere it is silent and
// the one-line-per-epoch log is all there is.
type bar struct {
	b      *progressbar.ProgressBar
	prefix string
	loss   string // the last running loss read
}

func newBar() trainer.Progress {
	if !term.IsTerminal(int(os.Stderr.Fd())) {
		return nil
	}
	return &bar{}
}

func (p *bar) Start(epoch, epochs, steps int) {
	p.prefix, p.loss = fmt.Sprintf("epoch %d/%d", epoch, epochs), ""
	p.b = progressbar.NewOptions(steps, progressbar.OptionSetWriter(os.Stderr),
		progressbar.OptionSetDescription(p.prefix), progressbar.OptionShowCount(),
		progressbar.OptionSetPredictTime(true), progressbar.OptionClearOnFinish(),
		progressbar.OptionThrottle(200*time.Millisecond))
}

func (p *bar) Step(step int, imgPerSec, loss float64) {
	if !math.IsNaN(loss) {
		p.loss = fmt.Sprintf("  loss %.4f", loss)
	}
	p.b.Describe(fmt.Sprintf("%s  %.0f img/s%s", p.prefix, imgPerSec, p.loss))
	p.b.Set(step)
}

func (p *bar) Done() { p.b.Finish() }

// percent formats an accuracy, or why there is none.
func percent(acc float64, none string) string {
	if math.IsNaN(acc) {
		return "(" + none + ")"
	}
	return fmt.Sprintf("%.2f%%", 100*acc)
}
