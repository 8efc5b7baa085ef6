package trainer

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"

	"github.com/glcnn/glcnn/data"
)

// Config is everything a training run depends on; saved as config.json so
// a run can be repeated.
type Config struct {
	Preset string `json:"preset"`
	Arch   string `json:"arch"`
	Data   string `json:"data"`

	Epochs int `json:"epochs"`
	Batch  int `json:"batch"` // 0: full batch, one optimizer step per epoch
	// Chunk caps the rows of one forward/backward pass (0: chosen from the
	// device's storage-block limit). Larger batches are processed in chunks
	// with gradients accumulated; batch norm then normalises each chunk with
	// its own statistics ("ghost batch norm"), see docs/training.md.
	Chunk int `json:"chunk"`

	Optimizer   string  `json:"optimizer"` // sgd, adam, adamw
	LR0         float64 `json:"lr"`
	Momentum    float64 `json:"momentum"`
	Nesterov    bool    `json:"nesterov"`
	WeightDecay float64 `json:"weight_decay"`
	Schedule    string  `json:"schedule"`   // one of Schedules; "": constant
	StepEvery   int     `json:"step_every"` // step schedule: epochs between decays (0: DefaultStepEvery)
	Gamma       float64 `json:"gamma"`      // step schedule: decay factor (0: DefaultGamma)
	Smoothing   float64 `json:"label_smoothing"`

	Val   float64 `json:"val"` // validation fraction, stratified
	Seed  uint64  `json:"seed"`
	Limit int     `json:"limit"` // first N training images, 0 = all

	Flip  bool    `json:"flip"`
	Shift int     `json:"shift"`
	Mean  float64 `json:"mean"` // after scaling to [0,1]
	Std   float64 `json:"std"`

	// LogEvery reads the epoch's running training loss every N optimizer
	// steps, for RunOptions.Progress and steps.csv (0: never, and no
	// steps.csv). Each read waits for the GPU, so it is off by default.
	LogEvery int `json:"log_every"`

	// Autotune says how the kernel variants of the layers that have
	// several (conv, fc) are chosen: AutotuneOn (the default) times them
	// on the device once, at the layer's shape and the pass's rows, and
	// runs the fastest (package autotune, which fills Variants; the choice
	// is cached per device, so a run is deterministic on a given device
	// and cache); AutotuneOff runs each op's default. Run itself does not
	// time anything: the caller applies the mode before NewSession.
	Autotune string `json:"autotune"`

	// Variants chooses the kernel variant of some layers: Variants[i] is
	// that of Arch's layer i, a conv or fc ("" or absent: the layer's
	// default). The device self-check (package check) sets it when a
	// default variant gives wrong results on the device. It belongs to the
	// device, not to the run, so config.json does not keep it.
	Variants map[int]string `json:"-"`
	// NoFuse runs each layer with its own kernels instead of fusing
	// adjacent ones (ModelOptions.NoFuse). Fusion changes no result, bit
	// for bit, so config.json does not keep it: it is there to test and
	// time the unfused path.
	NoFuse bool `json:"-"`
}

// Defaults of the step schedule, which a zero Config.StepEvery or
// Config.Gamma stands for. PyTorch's StepLR has gamma 0.1 and no default
// step_size; glcnn decays every 10 epochs.
const (
	DefaultStepEvery = 10
	DefaultGamma     = 0.1
)

// Values of Config.Autotune.
const (
	AutotuneOn  = "on"
	AutotuneOff = "off"
)

// AutotuneModes lists the values of Config.Autotune.
var AutotuneModes = []string{AutotuneOn, AutotuneOff}

// SetDefaults replaces each zero value of c that stands for a default by
// that default, so that config.json records what the run used: an empty
// Schedule by "constant", a zero StepEvery by DefaultStepEvery, a zero
// Gamma by DefaultGamma and an empty Autotune by AutotuneOn. Validate
// calls it; LR gives the same rates whether or not it was called.
func (c *Config) SetDefaults() {
	if c.Schedule == "" {
		c.Schedule = "constant"
	}
	if c.StepEvery == 0 {
		c.StepEvery = DefaultStepEvery
	}
	if c.Gamma == 0 {
		c.Gamma = DefaultGamma
	}
	if c.Autotune == "" {
		c.Autotune = AutotuneOn
	}
}

// Preset is a named configuration with a short description.
type Preset struct {
	Name, About string
	Config      Config
}

// article is the recipe of the article glcnn grew from.
var article = Config{
	Epochs: 25, Batch: 0, Optimizer: "adam", LR0: 0.07, Schedule: "constant",
	Val: 0.1, Seed: 1, Std: 1,
}

// Presets are the built-in configurations.
var Presets = map[string]Preset{
	"tutorial": {"tutorial", "the article exactly: 2x (Conv2d(1→4,3)-BN-ReLU-MaxPool), Linear(196,10); Adam lr 0.07, full batch, 25 epochs",
		with(article, func(c *Config) {
			c.Arch = "conv:4:3:1:1,bn,relu,maxpool:2,conv:4:3:1:1,bn,relu,maxpool:2,flatten,fc:10"
		})},
	"mlp": {"mlp", "the article's plain network (part 1): Flatten, Linear(784,64), ReLU, Linear(64,10); the tutorial's recipe",
		with(article, func(c *Config) { c.Arch = "flatten,fc:64,relu,fc:10" })},
	"default": {"default", "a small CNN for ≥90% test accuracy in minutes, even on a CPU through llvmpipe",
		Config{
			// Pooling before batch norm and ReLU gives the same accuracy
			// here and a quarter of their work (measured: 91.6% test after
			// 3 epochs in PyTorch with this recipe).
			Arch:   "conv:16:3,maxpool:2,bn,relu,conv:32:3,maxpool:2,bn,relu,flatten,fc:64,relu,fc:10",
			Epochs: 3, Batch: 128, Optimizer: "adam", LR0: 0.004, Schedule: "onecycle",
			Val: 0.1, Seed: 1, Std: 1,
		}},
	"fast93": {"fast93", "default's network for ≥93% test in under 30 min on llvmpipe: flips, ±1-pixel shifts, label smoothing 0.1, Adam one-cycle 0.004, 24 epochs",
		Config{
			// Measured on llvmpipe, 2 cores, load about 2: 93.02% test in
			// 14 min 46 s of wall time (seed 1), 93.01% in 15 min 52 s (seed
			// 2); docs/preset-93.md has the runs and the recipes that fell short.
			Arch:   "conv:16:3,maxpool:2,bn,relu,conv:32:3,maxpool:2,bn,relu,flatten,fc:64,relu,fc:10",
			Epochs: 24, Batch: 128, Optimizer: "adam", LR0: 0.004, Schedule: "onecycle",
			Smoothing: 0.1, Flip: true, Shift: 1, Val: 0.1, Seed: 1, Std: 1,
		}},
	"best": {"best", "for real GPUs: a 4-conv BN network, flips and shifts, AdamW one-cycle, label smoothing; ≥93.5%",
		Config{
			Arch: "conv:64:3,bn,relu,conv:64:3,bn,relu,maxpool:2,dropout:0.1," +
				"conv:128:3,bn,relu,conv:128:3,bn,relu,maxpool:2,dropout:0.2,flatten,fc:256,bn,relu,dropout:0.3,fc:10",
			Epochs: 30, Batch: 128, Optimizer: "adamw", LR0: 0.003, WeightDecay: 0.05, Schedule: "onecycle",
			Smoothing: 0.1, Flip: true, Shift: 2, Val: 0.1, Seed: 1, Mean: 0.286, Std: 0.353,
		}},
}

func with(c Config, f func(*Config)) Config {
	f(&c)
	return c
}

// PresetNames lists the presets, sorted.
func PresetNames() []string {
	var names []string
	for n := range Presets {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Optimizers names the optimizers, in their canonical (lower-case) form.
var Optimizers = []string{"sgd", "adam", "adamw"}

// optimizerKind is the canonical name of an optimizer spelled in any case.
func optimizerKind(name string) (string, bool) {
	k := strings.ToLower(strings.TrimSpace(name))
	return k, slices.Contains(Optimizers, k)
}

// ConfigError is a Config value out of its range, or one that contradicts
// another. Field is the value's name in config.json ("lr",
// "label_smoothing", ...); Want says what is allowed.
type ConfigError struct {
	Field string
	Value any
	Want  string
}

func (e *ConfigError) Error() string {
	return fmt.Sprintf("trainer: config %s %v: %s", e.Field, e.Value, e.Want)
}

// within reports whether v is a number in [lo, hi] (false for NaN).
func within(v, lo, hi float64) bool { return v >= lo && v <= hi }

// Validate fills in c's defaults (SetDefaults), checks every value of c
// (finite, in range, consistent) and puts the optimizer's name in its
// canonical form, so that config.json, the optimizer built and the device
// self-check's cache all see one spelling. The error is a *ConfigError.
func (c *Config) Validate() error {
	c.SetDefaults()
	if err := c.validateNumbers(); err != nil {
		return err
	}
	kind, ok := optimizerKind(c.Optimizer)
	if !ok {
		return &ConfigError{"optimizer", fmt.Sprintf("%q", c.Optimizer), "want sgd, adam or adamw"}
	}
	c.Optimizer = kind
	if kind == "sgd" && c.Nesterov && c.Momentum == 0 {
		return &ConfigError{"nesterov", c.Nesterov, "Nesterov momentum needs a momentum"}
	}
	if !slices.Contains(AutotuneModes, c.Autotune) {
		return &ConfigError{"autotune", fmt.Sprintf("%q", c.Autotune), "want on or off"}
	}
	if err := checkSchedule(c.Schedule); err != nil {
		return &ConfigError{"schedule", fmt.Sprintf("%q", c.Schedule), err.Error()}
	}
	_, err := ParseSpec(c.Arch)
	return err
}

// validateNumbers checks that each number is finite and in its range.
func (c *Config) validateNumbers() error {
	ints := []struct {
		field  string
		v      int
		lo, hi int
		want   string
	}{
		{"epochs", c.Epochs, 1, math.MaxInt, "must be at least 1"},
		{"batch", c.Batch, 0, math.MaxInt, "must be 0 (full batch) or positive"},
		{"chunk", c.Chunk, 0, math.MaxInt, "must be 0 (from the device's limits) or positive"},
		{"limit", c.Limit, 0, math.MaxInt, "must be 0 (all images) or positive"},
		{"shift", c.Shift, 0, 8, "must be in [0,8]"},
		{"step_every", c.StepEvery, 0, math.MaxInt, "must be 0 (the default, 10) or positive"},
		{"log_every", c.LogEvery, 0, math.MaxInt, "must be 0 (off) or positive"},
	}
	for _, f := range ints {
		if f.v < f.lo || f.v > f.hi {
			return &ConfigError{f.field, f.v, f.want}
		}
	}
	floats := []struct {
		field  string
		v      float64
		lo, hi float64
		want   string
	}{
		{"lr", c.LR0, math.SmallestNonzeroFloat64, math.MaxFloat64, "must be positive and finite"},
		{"momentum", c.Momentum, 0, math.Nextafter(1, 0), "must be in [0,1)"},
		{"weight_decay", c.WeightDecay, 0, math.MaxFloat64, "must be 0 or positive, and finite"},
		{"gamma", c.Gamma, 0, math.MaxFloat64, "must be 0 (the default, 0.1) or positive, and finite"},
		{"label_smoothing", c.Smoothing, 0, math.Nextafter(1, 0), "must be in [0,1)"},
		{"val", c.Val, 0, math.Nextafter(1, 0), "must be in [0,1)"},
		{"mean", c.Mean, -math.MaxFloat64, math.MaxFloat64, "must be finite"},
		{"std", c.Std, math.SmallestNonzeroFloat64, math.MaxFloat64, "must be positive and finite"},
	}
	for _, f := range floats {
		if !within(f.v, f.lo, f.hi) {
			return &ConfigError{f.field, f.v, f.want}
		}
	}
	return nil
}

// minTrain is the smallest training split: batch statistics (batch norm)
// need two images, and PyTorch refuses a training batch of one.
const minTrain = 2

// CheckSplit checks that c's Limit and Val leave ds a training split of at
// least two images and, when Val > 0, a validation split of at least one
// image; the error is a *ConfigError. Run checks the same before it
// writes anything; a caller can check first, before opening a device.
func CheckSplit(ds *data.Dataset, c Config) error {
	_, _, err := split(ds, c)
	return err
}

// StepRows is the rows of one optimizer step of a run of c on ds:
// c.Batch, or for a full batch (0) the training split's size; the error
// is CheckSplit's. With [ChunkRows] it gives the rows of the passes the
// run's model is set up for, at which package autotune times its layers.
func StepRows(ds *data.Dataset, c Config) (int, error) {
	train, _, err := split(ds, c)
	if err != nil {
		return 0, err
	}
	if c.Batch > 0 {
		return c.Batch, nil
	}
	return train.N, nil
}

// split is the run's training and validation splits of ds.
func split(ds *data.Dataset, c Config) (train, val *data.Set, err error) {
	if ds == nil || ds.Train == nil {
		return nil, nil, &ConfigError{"data", "", "no training set"}
	}
	if !within(c.Val, 0, math.Nextafter(1, 0)) || c.Limit < 0 {
		return nil, nil, c.validateNumbers()
	}
	all := ds.Train.Limit(c.Limit)
	train, val = data.Split(all, c.Val, c.Seed)
	switch {
	case train.N < minTrain && c.Val > 0:
		return nil, nil, &ConfigError{"val", c.Val, fmt.Sprintf("leaves %d of the %d images for the training split, which needs at least %d", train.N, all.N, minTrain)}
	case train.N < minTrain:
		return nil, nil, &ConfigError{"limit", c.Limit, fmt.Sprintf("leaves %d images for the training split, which needs at least %d", train.N, minTrain)}
	case c.Val > 0 && (val == nil || val.N == 0):
		return nil, nil, &ConfigError{"val", c.Val, fmt.Sprintf("leaves no image of the %d for the validation split (0 for none)", all.N)}
	}
	return train, val, nil
}
