package trainer

import (
	"context"
	"errors"
	"math"
	"os"
	"strings"
	"testing"

	"github.com/glcnn/glcnn/gpu/gputest"
	"github.com/glcnn/glcnn/layers"
)

// TestOptimizerNames: every spelling of every optimizer name builds that
// optimizer with the configured hyper-parameters (not Adam by default),
// Validate puts the name in its canonical form, and an unknown name is an
// error from both.
func TestOptimizerNames(t *testing.T) {
	d := gputest.Device(t)
	w, _ := layers.NewTensor(d, 3, 4)
	g, _ := layers.NewTensor(d, 3, 4)
	defer w.Release()
	defer g.Release()
	ps := []*layers.Param{{Name: "weight", Value: w, Grad: g}}
	for _, c := range []struct{ name, want string }{
		{"sgd", "sgd"}, {"SGD", "sgd"}, {"Sgd", "sgd"}, {" sgd ", "sgd"},
		{"adam", "adam"}, {"Adam", "adam"}, {"ADAM", "adam"},
		{"adamw", "adamw"}, {"AdamW", "adamw"}, {"ADAMW", "adamw"},
	} {
		cfg := Presets["default"].Config
		cfg.Optimizer, cfg.Momentum, cfg.WeightDecay, cfg.Nesterov = c.name, 0.9, 0.01, true
		o, err := NewOptimizer(d, cfg, ps)
		if err != nil {
			t.Errorf("NewOptimizer(%q): %v", c.name, err)
			continue
		}
		switch o := o.(type) {
		case *layers.SGD:
			if c.want != "sgd" || o.Config.Momentum != 0.9 || o.Config.WeightDecay != 0.01 || !o.Config.Nesterov {
				t.Errorf("%q built SGD %+v, want %s", c.name, o.Config, c.want)
			}
		case *layers.Adam:
			if c.want == "sgd" || o.Config.Decoupled != (c.want == "adamw") || o.Config.WeightDecay != 0.01 {
				t.Errorf("%q built Adam %+v, want %s", c.name, o.Config, c.want)
			}
		default:
			t.Errorf("%q built %T", c.name, o)
		}
		if name := optimizerName(o); name != c.want {
			t.Errorf("%q: optimizerName = %q, want %q", c.name, name, c.want)
		}
		o.Release()
		if err := cfg.Validate(); err != nil || cfg.Optimizer != c.want {
			t.Errorf("Validate(%q): %v, name %q; want %q", c.name, err, cfg.Optimizer, c.want)
		}
	}
	cfg := Presets["default"].Config
	cfg.Optimizer = "rmsprop"
	if o, err := NewOptimizer(d, cfg, ps); err == nil {
		o.Release()
		t.Errorf("NewOptimizer(rmsprop) built %T, want an error", o)
	}
	var ce *ConfigError
	if err := cfg.Validate(); !errors.As(err, &ce) || ce.Field != "optimizer" {
		t.Errorf("Validate(rmsprop) = %v, want a ConfigError on optimizer", err)
	}
}

// TestValidateRanges: every numeric field refuses NaN, infinities and
// values out of range with a ConfigError naming its config.json field.
func TestValidateRanges(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	for _, c := range []struct {
		field string
		set   func(*Config)
	}{
		{"epochs", func(c *Config) { c.Epochs = 0 }},
		{"batch", func(c *Config) { c.Batch = -1 }},
		{"chunk", func(c *Config) { c.Chunk = -1 }},
		{"lr", func(c *Config) { c.LR0 = nan }},
		{"lr", func(c *Config) { c.LR0 = inf }},
		{"lr", func(c *Config) { c.LR0 = 0 }},
		{"momentum", func(c *Config) { c.Momentum = nan }},
		{"momentum", func(c *Config) { c.Momentum = -0.5 }},
		{"momentum", func(c *Config) { c.Momentum = 1 }},
		{"weight_decay", func(c *Config) { c.WeightDecay = nan }},
		{"weight_decay", func(c *Config) { c.WeightDecay = -inf }},
		{"weight_decay", func(c *Config) { c.WeightDecay = -1 }},
		{"gamma", func(c *Config) { c.Gamma = nan }},
		{"gamma", func(c *Config) { c.Gamma = -1 }},
		{"step_every", func(c *Config) { c.StepEvery = -1 }},
		{"label_smoothing", func(c *Config) { c.Smoothing = nan }},
		{"label_smoothing", func(c *Config) { c.Smoothing = 1 }},
		{"val", func(c *Config) { c.Val = nan }},
		{"val", func(c *Config) { c.Val = -inf }},
		{"val", func(c *Config) { c.Val = 1 }},
		{"limit", func(c *Config) { c.Limit = -3 }},
		{"shift", func(c *Config) { c.Shift = -1 }},
		{"log_every", func(c *Config) { c.LogEvery = -1 }},
		{"mean", func(c *Config) { c.Mean = nan }},
		{"std", func(c *Config) { c.Std = inf }},
		{"std", func(c *Config) { c.Std = 0 }},
		{"nesterov", func(c *Config) { c.Optimizer, c.Nesterov, c.Momentum = "sgd", true, 0 }},
	} {
		cfg := Presets["default"].Config
		c.set(&cfg)
		err := cfg.Validate()
		var ce *ConfigError
		if !errors.As(err, &ce) || ce.Field != c.field || !strings.Contains(err.Error(), c.field) {
			t.Errorf("%+v: Validate() = %v, want a ConfigError on %s", cfg, err, c.field)
		}
	}
	for name, p := range Presets {
		cfg := p.Config
		if err := cfg.Validate(); err != nil {
			t.Errorf("preset %s: %v", name, err)
		}
	}
}

// TestCheckSplit: a training split too small for a batch, or an empty
// validation split when one is asked for, is refused before any work, by
// CheckSplit and by Run.
func TestCheckSplit(t *testing.T) {
	ds := realData(t)
	for _, c := range []struct {
		limit int
		val   float64
		field string
	}{{2, 0.9, "val"}, {1, 0, "limit"}, {5, 0.05, "val"}, {3, 0.5, "val"}} {
		cfg := small()
		cfg.Limit, cfg.Val = c.limit, c.val
		var ce *ConfigError
		if err := CheckSplit(ds, cfg); !errors.As(err, &ce) || ce.Field != c.field {
			t.Errorf("limit %d, val %v: CheckSplit = %v, want a ConfigError on %s", c.limit, c.val, err, c.field)
		}
		dir := t.TempDir()
		if _, err := Run(context.Background(), gputest.Device(t), ds, cfg, RunOptions{Dir: dir}); !errors.As(err, &ce) {
			t.Errorf("limit %d, val %v: Run = %v, want a ConfigError", c.limit, c.val, err)
		}
		if ents, _ := os.ReadDir(dir); len(ents) > 0 {
			t.Errorf("limit %d, val %v: Run wrote %d files", c.limit, c.val, len(ents))
		}
	}
	for _, c := range []struct {
		limit int
		val   float64
	}{{2, 0}, {4, 0.5}, {700, 0.1}, {0, 0.1}} {
		cfg := small()
		cfg.Limit, cfg.Val = c.limit, c.val
		if err := CheckSplit(ds, cfg); err != nil {
			t.Errorf("limit %d, val %v: %v", c.limit, c.val, err)
		}
	}
}

// TestStepScheduleDefaults: a Config that names the step schedule and
// nothing else decays the learning rate by DefaultGamma every
// DefaultStepEvery epochs, whether or not it was validated; Validate
// records the defaults it used (config.json then says what ran) and an
// empty schedule is the constant one.
func TestStepScheduleDefaults(t *testing.T) {
	bare := Config{Schedule: "step", LR0: 0.1}
	for epoch, want := range map[int]float64{0: 0.1, 9: 0.1, 10: 0.01, 25: 0.001} {
		if got := bare.LR(epoch*5, 500, epoch); !nearly(got, want) {
			t.Errorf("Config{Schedule: step, LR0: 0.1}.LR in epoch %d = %g, want %g", epoch, got, want)
		}
	}
	cfg := Presets["default"].Config
	cfg.Schedule, cfg.StepEvery, cfg.Gamma = "step", 0, 0
	if err := cfg.Validate(); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	if cfg.StepEvery != DefaultStepEvery || cfg.Gamma != DefaultGamma {
		t.Errorf("after Validate: step_every %d, gamma %g; want %d, %g", cfg.StepEvery, cfg.Gamma, DefaultStepEvery, DefaultGamma)
	}
	cfg.Schedule = ""
	if err := cfg.Validate(); err != nil || cfg.Schedule != "constant" {
		t.Errorf("empty schedule: Validate = %v, schedule %q; want nil, constant", err, cfg.Schedule)
	}
	if got := (&Config{LR0: 0.3}).LR(7, 10, 1); got != 0.3 {
		t.Errorf("Config{LR0: 0.3}.LR = %g, want 0.3 (constant)", got)
	}
}

// nearly reports whether a and b agree to fp64 rounding.
func nearly(a, b float64) bool { return math.Abs(a-b) <= 1e-12*math.Abs(a+b) }
