package main

import (
	"encoding/json"
	"fmt"
	"os"

	"github.com/spf13/pflag"

	"github.com/glcnn/glcnn/trainer"
)

func init() {
	register(&command{
		name:     "version",
		summary:  "print glcnn's version, VCS revision and Go version (also glcnn --version)",
		usage:    "[--json]",
		examples: "  glcnn --version\n  glcnn version --json",
		flags: func(fs *pflag.FlagSet) func([]string) error {
			asJSON := fs.Bool("json", false, "print JSON")
			return func(args []string) error {
				if err := noArgs(args); err != nil {
					return err
				}
				b := trainer.Build()
				if *asJSON {
					return printJSON(b)
				}
				rev := b.Revision
				if rev == "" {
					rev = "unknown (not recorded in this build)"
				} else if b.Time != "" {
					rev += " " + b.Time
				}
				fmt.Printf("glcnn %s\nrevision %s\n%s\n", b.Version, rev, b.Go)
				return nil
			}
		},
	})
}

// printJSON writes v to stdout as indented JSON: the --json output of a
// command, while its logs go to stderr.
func printJSON(v any) error {
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
