package main

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/spf13/pflag"

	"github.com/glcnn/glcnn/check"
	"github.com/glcnn/glcnn/gpu"
	"github.com/glcnn/glcnn/layers"
	"github.com/glcnn/glcnn/trainer"
)

func init() {
	register(&command{
		name:    "check",
		summary: "device self-check: every kernel a network runs, compared with the float64 reference",
		usage:   "[--preset NAME | --arch SPEC | --model FILE] [--json]",
		examples: `  glcnn check                                  # the default preset's network, for training
  glcnn check --preset best --all              # every variant of every layer
  glcnn check --model runs/latest/model.safetensors   # what eval and predict run
  glcnn check --json > check.json              # the full table, to attach to a bug report

train, eval and predict run the same check by themselves the first time a device
meets a network (--check auto), and cache the result; glcnn check always runs it.`,
		flags: func(fs *pflag.FlagSet) func([]string) error {
			var g gpuFlags
			preset := fs.String("preset", "default", "check the network and optimizer of this preset: "+strings.Join(trainer.PresetNames(), ", "))
			arch := fs.String("arch", "", "check this network spec instead (with the preset's optimizer)")
			model := fs.String("model", "", "check what eval and predict run for this model.safetensors")
			all := fs.Bool("all", false, "check every kernel variant of every layer, not only until one passes")
			asJSON := fs.Bool("json", false, "print the full table (every output at every batch) as JSON")
			g.add(fs)
			return func(args []string) error {
				if err := noArgs(args); err != nil {
					return err
				}
				cfg, in, train, err := checkTarget(fs, *preset, *arch, *model)
				if err != nil {
					return err
				}
				dev, err := g.open()
				if err != nil {
					return err
				}
				defer dev.Close()
				opt := check.Options{Train: train, All: *all, NewLayer: checkLayer}
				res, _, err := check.Ensure(dev, cfg, in, opt, check.DefaultCacheDir(), true)
				if err != nil {
					return err
				}
				if *asJSON {
					enc := json.NewEncoder(os.Stdout)
					enc.SetIndent("", "  ")
					if err := enc.Encode(res); err != nil {
						return err
					}
				} else if err := res.WriteText(os.Stdout); err != nil {
					return err
				}
				return refusal(res)
			}
		},
	})
}

// checkTarget is the network glcnn check covers: a preset's or --arch's
// for training on 28x28 images, or a model file's for eval and predict.
func checkTarget(fs *pflag.FlagSet, preset, arch, model string) (cfg trainer.Config, in []int, train bool, err error) {
	if model != "" {
		if fs.Changed("preset") || fs.Changed("arch") {
			return cfg, nil, false, usagef("--model checks the model's own network: drop --preset and --arch")
		}
		f, err := trainer.ReadModel(model)
		if err != nil {
			return cfg, nil, false, usagef("--model: %v", err)
		}
		return f.Config, f.In, false, nil
	}
	p, ok := trainer.Presets[preset]
	if !ok {
		return cfg, nil, false, usagef("--preset %q: want one of %v", preset, trainer.PresetNames())
	}
	cfg = p.Config
	if arch != "" {
		cfg.Arch = arch
	}
	in = []int{1, 28, 28} // Fashion-MNIST and the Apparels images alike
	spec, err := trainer.ParseSpec(cfg.Arch)
	if err == nil {
		_, err = spec.Shapes(in, 10)
	}
	if err != nil {
		return cfg, nil, false, usageError{err.Error()}
	}
	return cfg, in, true, nil
}

// checkLayer builds the layers the self-check runs (nil: check.NewLayer);
// tests replace it to inject a broken kernel.
var checkLayer func(la check.LayerAt, variant string) layers.Layer

// checkFlag is the --check flag of train, eval and predict, and the
// --autotune flag of eval and predict (addAutotune; "" for train).
type checkFlag struct{ mode, autotune string }

func (c *checkFlag) add(fs *pflag.FlagSet) {
	fs.StringVar(&c.mode, "check", "auto", "device self-check of the network's kernels first: auto (when this device, driver build and network have no cached pass), always, or off")
}

// validate refuses an unknown mode before any work.
func (c *checkFlag) validate() error {
	if c.autotune != "" && !slices.Contains(trainer.AutotuneModes, c.autotune) {
		return usagef("--autotune %q: want on or off", c.autotune)
	}
	switch c.mode {
	case "auto", "always", "off":
		return nil
	}
	return usagef("--check %q: want auto, always or off", c.mode)
}

// variants chooses the kernel variants of cfg's network on per-sample
// input in for passes of up to batch images: autotuned as cfg.Autotune
// says (tune), then validated by the device self-check as the flag says,
// which prints what it fell back to; the error is the check's refusal.
// With --check off the autotuned winners (or cfg.Variants) run unchecked.
func (c *checkFlag) variants(dev *gpu.Device, cfg trainer.Config, in []int, train bool, batch int) (map[int]string, error) {
	opt := check.Options{Train: train, NewLayer: checkLayer}
	if c.autotune != "" {
		cfg.Autotune = c.autotune
	}
	if err := tune(dev, &cfg, &opt, in, batch); err != nil {
		return nil, err
	}
	if c.mode == "off" {
		return cfg.Variants, nil
	}
	res, cached, err := check.Ensure(dev, cfg, in, opt, check.DefaultCacheDir(), c.mode == "always")
	if err != nil {
		return nil, err
	}
	if !cached {
		fmt.Fprintln(os.Stderr, res.Summary())
	}
	for _, n := range res.Notes() {
		fmt.Fprintln(os.Stderr, "glcnn:", n)
	}
	if err := refusal(res); err != nil {
		return nil, err
	}
	return res.Variants, nil
}

// refusal is the check's refusal (nil when it passed) asking for this
// command's JSON report.
func refusal(res *check.Result) error { return res.Refusal("the output of `glcnn check --json`") }
