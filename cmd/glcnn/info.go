package main

import (
	"encoding/json"
	"os"

	"github.com/spf13/pflag"
)

func init() {
	register(&command{
		name:     "info",
		summary:  "print the GL device: renderer, versions, compute limits",
		usage:    "[--json] [--context auto|egl|glfw]",
		examples: "  glcnn info\n  glcnn info --json\n  xvfb-run -a glcnn info --context glfw",
		flags: func(fs *pflag.FlagSet) func([]string) error {
			var g gpuFlags
			g.add(fs)
			asJSON := fs.Bool("json", false, "print JSON")
			return func(args []string) error {
				if err := noArgs(args); err != nil {
					return err
				}
				d, err := g.open()
				if err != nil {
					return err
				}
				defer d.Close()
				in := d.Info()
				if *asJSON {
					enc := json.NewEncoder(os.Stdout)
					enc.SetIndent("", "  ")
					return enc.Encode(in)
				}
				in.Print(os.Stdout)
				return nil
			}
		},
	})
}
