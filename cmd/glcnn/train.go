package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/pflag"
	"golang.org/x/term"

	"github.com/glcnn/glcnn/data"
	"github.com/glcnn/glcnn/gpu"
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
  glcnn train --force --out runs/best          # start over in a used run folder
  glcnn train --autotune off                   # each op's default kernels, not the fastest timed here

Arch spec (comma-separated, in order):
` + trainer.SpecHelp(),
		flags: trainFlags,
	})
}

func trainFlags(fs *pflag.FlagSet) func([]string) error {
	o := &trainOptions{fs: fs}
	o.preset = fs.String("preset", "default", "configuration preset: "+strings.Join(trainer.PresetNames(), ", ")+"; the defaults below are the default preset's")
	o.shown = trainer.Presets["default"].Config
	o.shown.SetDefaults() // the step schedule's defaults are shown for every preset
	configFlags(fs, &o.shown)
	o.out = fs.String("out", "", "run folder (default runs/<preset>-<timestamp>; runs/latest points to it); must be new or empty unless --resume or --force")
	o.resume = fs.Bool("resume", false, "continue the run in --out from its checkpoint")
	o.force = fs.Bool("force", false, "start a new run in a used --out folder, deleting the old run's outputs first")
	o.asJSON = fs.Bool("json", false, "print a summary object (accuracies, epochs, outputs) on stdout at the end; the epoch log goes to stderr")
	o.ck.add(fs)
	o.g.add(fs)
	return o.run
}

// trainOptions are train's flags: shown holds those of the Config (with
// the default preset's values until presetConfig applies them to the
// preset chosen).
type trainOptions struct {
	fs                    *pflag.FlagSet
	preset, out           *string
	resume, force, asJSON *bool
	shown                 trainer.Config
	ck                    checkFlag
	g                     gpuFlags
}

// config is the run's Config: the preset with the flags given, or the
// config.json of the run resumed; checked, as usage errors.
func (o *trainOptions) config() (trainer.Config, error) {
	full, err := presetConfig(o.fs, *o.preset)
	if err != nil {
		return full, err
	}
	if err := explicitZeros(o.fs, full); err != nil {
		return full, err
	}
	if *o.resume {
		switch {
		case *o.out == "":
			return full, usagef("--resume needs --out RUN_FOLDER")
		case *o.force:
			return full, usagef("--resume continues the run in --out, --force starts a new one there: give one of them")
		}
		if full, err = resumeConfig(o.fs, *o.out); err != nil {
			return full, err
		}
		if o.fs.Changed("log-every") { // how a run reports, not what it trains
			full.LogEvery = o.shown.LogEvery
		}
		if o.fs.Changed("autotune") { // which kernels, which belong to the device
			full.Autotune = o.shown.Autotune
		}
	}
	if err := full.Validate(); err != nil {
		return full, configUsage(err, *o.resume)
	}
	return full, nil
}

// run is glcnn train: everything the flags and the data can refuse is
// refused before the device is opened and anything is written.
func (o *trainOptions) run(args []string) error {
	if err := noArgs(args); err != nil {
		return err
	}
	if err := o.ck.validate(); err != nil {
		return err
	}
	full, err := o.config()
	if err != nil {
		return err
	}
	dir := *o.out
	if dir == "" {
		dir = filepath.Join("runs", fmt.Sprintf("%s-%s", *o.preset, time.Now().Format("20060102-150405")))
	}
	if err := checkRunDir(dir, *o.resume, *o.force); err != nil {
		return err
	}
	ds, err := data.Load(full.Data, data.LoadOptions{Progress: os.Stderr, Cache: true})
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "data: %s\n", ds)
	if err := trainer.CheckSplit(ds, full); err != nil {
		return configUsage(err, *o.resume)
	}
	in := []int{1, ds.Train.H, ds.Train.W}
	spec, err := trainer.ParseSpec(full.Arch)
	if err == nil {
		_, err = spec.Shapes(in, len(data.ClassNames))
	}
	if err != nil {
		return usageError{err.Error()} // refused before any work
	}
	dev, err := o.g.open()
	if err != nil {
		return err
	}
	defer dev.Close()
	batch, err := trainer.StepRows(ds, full)
	if err != nil {
		return configUsage(err, *o.resume)
	}
	if full.Variants, err = o.ck.variants(dev, full, in, true, batch); err != nil {
		return err
	}
	dev.Mark("self-check") // gpu.Device.Startup's phases
	res, err := o.train(dev, ds, full, dir)
	if err != nil {
		return err
	}
	return o.summary(res, ds, full, dev.Info().Renderer)
}

// train prepares the run folder dir and trains in it until done or
// interrupted (Ctrl-C, SIGTERM); a diverged run's error names --lr.
func (o *trainOptions) train(dev *gpu.Device, ds *data.Dataset, full trainer.Config, dir string) (*trainer.Result, error) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if *o.force {
		if err := trainer.ClearOutputs(dir); err != nil {
			return nil, err
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	if *o.out == "" {
		linkLatest(dir)
	}
	log := os.Stdout
	if *o.asJSON {
		log = os.Stderr // stdout holds only the summary
	}
	res, err := trainer.Run(ctx, dev, ds, full, trainer.RunOptions{Dir: dir, Resume: *o.resume, Log: log, Progress: newBar()})
	var de *trainer.DivergedError
	if errors.As(err, &de) {
		return nil, errors.New(de.Message(fmt.Sprintf("try --lr %g", de.LR/10)))
	}
	return res, err
}

// summary prints the end of a run (--json: one object) and, for an
// interrupted run, returns the error that exits 130 and says how to go on.
func (o *trainOptions) summary(res *trainer.Result, ds *data.Dataset, full trainer.Config, renderer string) error {
	dir := res.Dir
	if *o.asJSON {
		sum := newTrainJSON(res)
		sum.Data, sum.Layout, sum.Config, sum.Renderer = ds.Root, ds.Layout, full, renderer
		if spec, err := trainer.ParseSpec(full.Arch); err == nil {
			sum.Variants = trainer.RunVariants(spec, full.Variants)
		}
		if !res.Interrupted {
			sum.Model = filepath.Join(dir, trainer.ModelFile)
		}
		if res.SubmissionWritten {
			sum.Submission = filepath.Join(dir, trainer.SubmissionFile)
		}
		if full.LogEvery > 0 {
			sum.Steps = filepath.Join(dir, trainer.StepsFile)
		}
		if err := printJSON(sum); err != nil {
			return err
		}
	}
	if res.Interrupted {
		return interruptedError{fmt.Sprintf("interrupted: checkpoint saved in %s; continue with glcnn train --resume --out %s", dir, dir)}
	}
	if *o.asJSON {
		return nil
	}
	fmt.Printf("validation accuracy %s, test accuracy %s, %.0f s of training on %s\n",
		percent(res.ValAcc, "no validation split"), percent(res.TestAcc, "no test labels"), res.TrainSeconds, renderer)
	fmt.Printf("outputs in %s/\n", dir)
	return nil
}

// resumeConfig reads the configuration of the run in dir: a resumed run
// continues exactly as it started, so only device flags may be given.
func resumeConfig(fs *pflag.FlagSet, dir string) (trainer.Config, error) {
	var cfg trainer.Config
	var changed []string
	fs.Visit(func(f *pflag.Flag) {
		switch f.Name {
		case "resume", "out", "context", "gpu", "gl-debug", "log-every", "check", "autotune", "cache-dir", "json":
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

// explicitZeros refuses --step-every 0, --gamma 0 and --autotune "": in a
// Config a zero stands for the default (trainer.DefaultStepEvery,
// DefaultGamma, AutotuneOn), which the flags show as their defaults, so a
// zero typed on the command line is a mistake, not a request for the
// default.
func explicitZeros(fs *pflag.FlagSet, cfg trainer.Config) error {
	switch {
	case fs.Changed("step-every") && cfg.StepEvery == 0:
		return usagef("--step-every 0: must be at least 1")
	case fs.Changed("gamma") && cfg.Gamma == 0:
		return usagef("--gamma 0: must be positive (a decay to 0 stops training)")
	case fs.Changed("autotune") && cfg.Autotune == "":
		return usagef("--autotune \"\": want on or off") // "" in a Config stands for on
	}
	return nil
}

// presetConfig is the named preset with every flag the user gave applied
// over it.
func presetConfig(fs *pflag.FlagSet, name string) (trainer.Config, error) {
	p, ok := trainer.Presets[name]
	if !ok {
		return trainer.Config{}, usagef("--preset %q: want one of %v", name, trainer.PresetNames())
	}
	cfg := p.Config
	cfg.SetDefaults()
	cfg.Preset = p.Name
	if fs.Changed("arch") {
		cfg.Preset += "+arch"
	}
	onPreset := pflag.NewFlagSet("", pflag.ContinueOnError)
	configFlags(onPreset, &cfg)
	var err error
	fs.Visit(func(f *pflag.Flag) {
		if onPreset.Lookup(f.Name) != nil && err == nil {
			err = onPreset.Set(f.Name, f.Value.String())
		}
	})
	return cfg, err
}

// configFlags binds the training flags to cfg, whose values are the
// defaults shown.
func configFlags(fs *pflag.FlagSet, cfg *trainer.Config) {
	fs.StringVar(&cfg.Data, "data", cfg.Data, "dataset: Fashion-MNIST IDX folder or Apparels folder (empty: "+data.DefaultDir+")")
	fs.StringVar(&cfg.Arch, "arch", cfg.Arch, "network spec (see below)")
	fs.IntVar(&cfg.Epochs, "epochs", cfg.Epochs, "epochs")
	fs.IntVar(&cfg.Batch, "batch", cfg.Batch, "minibatch size, 0 = full batch")
	fs.IntVar(&cfg.Chunk, "chunk", cfg.Chunk, "max rows per forward/backward pass (0: from the device's limits)")
	fs.StringVar(&cfg.Optimizer, "optimizer", cfg.Optimizer, "sgd, adam or adamw")
	fs.Float64Var(&cfg.LR0, "lr", cfg.LR0, "learning rate (the peak for onecycle)")
	fs.Float64Var(&cfg.Momentum, "momentum", cfg.Momentum, "SGD momentum")
	fs.BoolVar(&cfg.Nesterov, "nesterov", cfg.Nesterov, "Nesterov momentum (SGD)")
	fs.Float64Var(&cfg.WeightDecay, "weight-decay", cfg.WeightDecay, "weight decay (decoupled for adamw)")
	fs.StringVar(&cfg.Schedule, "schedule", cfg.Schedule, "learning-rate schedule: constant, step, cosine, onecycle")
	fs.IntVar(&cfg.StepEvery, "step-every", cfg.StepEvery, "step schedule: epochs between decays")
	fs.Float64Var(&cfg.Gamma, "gamma", cfg.Gamma, "step schedule: decay factor")
	fs.Float64Var(&cfg.Smoothing, "label-smoothing", cfg.Smoothing, "label smoothing")
	fs.Float64Var(&cfg.Val, "val", cfg.Val, "validation fraction, stratified")
	fs.Uint64Var(&cfg.Seed, "seed", cfg.Seed, "seed for initialisation, split, order, dropout and augmentation")
	fs.IntVar(&cfg.Limit, "limit", cfg.Limit, "use only the first N training images (quick runs; 0: all)")
	fs.BoolVar(&cfg.Flip, "flip", cfg.Flip, "random horizontal flips (--flip=false to turn a preset's off)")
	fs.IntVar(&cfg.Shift, "shift", cfg.Shift, "random shifts of up to N pixels")
	fs.IntVar(&cfg.LogEvery, "log-every", cfg.LogEvery, "every N steps, read the running training loss (a GPU sync) and log it to steps.csv (0: off)")
	fs.StringVar(&cfg.Autotune, "autotune", cfg.Autotune, autotuneUsage)
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
