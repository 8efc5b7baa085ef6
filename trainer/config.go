package trainer

import (
	"fmt"
	"sort"
	"strings"
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
	Schedule    string  `json:"schedule"`
	StepEvery   int     `json:"step_every"` // step schedule: epochs between decays
	Gamma       float64 `json:"gamma"`      // step schedule: decay factor
	Smoothing   float64 `json:"label_smoothing"`

	Val   float64 `json:"val"` // validation fraction, stratified
	Seed  uint64  `json:"seed"`
	Limit int     `json:"limit"` // first N training images, 0 = all

	Flip  bool    `json:"flip"`
	Shift int     `json:"shift"`
	Mean  float64 `json:"mean"` // after scaling to [0,1]
	Std   float64 `json:"std"`

	LogEvery int `json:"log_every"` // read running loss every N steps (0: once per epoch)

	// Variants chooses the kernel variant of some layers: Variants[i] is
	// that of Arch's layer i, a conv or fc ("" or absent: the layer's
	// default). The device self-check (package check) sets it when a
	// default variant gives wrong results on the device. It belongs to the
	// device, not to the run, so config.json does not keep it.
	Variants map[int]string `json:"-"`
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

// Validate checks the values that the flags cannot.
func (c *Config) Validate() error {
	switch {
	case c.Epochs < 1:
		return fmt.Errorf("--epochs %d: must be at least 1", c.Epochs)
	case c.Batch < 0:
		return fmt.Errorf("--batch %d: must be 0 (full batch) or positive", c.Batch)
	case c.LR0 <= 0:
		return fmt.Errorf("--lr %v: must be positive", c.LR0)
	case c.Val < 0 || c.Val >= 1:
		return fmt.Errorf("--val %v: must be in [0,1)", c.Val)
	case c.Smoothing < 0 || c.Smoothing >= 1:
		return fmt.Errorf("--label-smoothing %v: must be in [0,1)", c.Smoothing)
	case c.Shift < 0 || c.Shift > 8:
		return fmt.Errorf("--shift %d: must be in [0,8]", c.Shift)
	case c.Std <= 0:
		return fmt.Errorf("--std %v: must be positive", c.Std)
	}
	switch strings.ToLower(c.Optimizer) {
	case "sgd", "adam", "adamw":
	default:
		return fmt.Errorf("--optimizer %q: want sgd, adam or adamw", c.Optimizer)
	}
	if err := checkSchedule(c.Schedule); err != nil {
		return fmt.Errorf("--schedule: %w", err)
	}
	_, err := ParseSpec(c.Arch)
	return err
}
