package main

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/pflag"

	"github.com/glcnn/glcnn/trainer"
)

// glcnn modules prints the PyTorch modules of a network, so that the Python
// scripts (scripts/torch_baseline.py) build it without parsing arch specs.
func init() {
	register(&command{
		name:     "modules",
		summary:  "print a network's PyTorch modules as JSON (for scripts that build it in PyTorch)",
		usage:    "[--preset NAME | --arch SPEC] [--input C,H,W]",
		examples: "  glcnn modules --preset tutorial\n  glcnn modules --arch conv:16:3,relu,fc:10",
		flags: func(fs *pflag.FlagSet) func([]string) error {
			preset := fs.String("preset", "default", "configuration preset whose network to print")
			arch := fs.String("arch", "", "network spec (instead of the preset's)")
			input := fs.String("input", "1,28,28", "per-sample input shape C,H,W")
			return func(args []string) error {
				if err := noArgs(args); err != nil {
					return err
				}
				spec := *arch
				if spec == "" {
					p, ok := trainer.Presets[*preset]
					if !ok {
						return usagef("--preset %q: want one of %v", *preset, trainer.PresetNames())
					}
					spec = p.Config.Arch
				}
				var in []int
				for _, f := range strings.Split(*input, ",") {
					v, err := strconv.Atoi(strings.TrimSpace(f))
					if err != nil || v < 1 {
						return usagef("--input %q: want C,H,W", *input)
					}
					in = append(in, v)
				}
				s, err := trainer.ParseSpec(spec)
				if err != nil {
					return usagef("--arch: %v", err)
				}
				mods, err := trainer.ModulesJSON(s, in)
				if err != nil {
					return usagef("--arch: %v", err)
				}
				fmt.Println(mods)
				return nil
			}
		},
	})
}
