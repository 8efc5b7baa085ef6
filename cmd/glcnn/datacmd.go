package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/pflag"

	"github.com/glcnn/glcnn/data"
)

func init() {
	register(&command{
		name:     "show",
		summary:  "write a labelled grid of images as a PNG",
		usage:    "[--data PATH] [--n 64] --out samples.png",
		examples: "  glcnn show --out samples.png\n  glcnn show --data ~/apparels --n 100 --out grid.png",
		flags: func(fs *pflag.FlagSet) func([]string) error {
			path := fs.String("data", "", "dataset (default "+data.DefaultDir+")")
			n := fs.Int("n", 64, "number of images")
			out := fs.String("out", "samples.png", "PNG to write")
			return func(args []string) error {
				if err := noArgs(args); err != nil {
					return err
				}
				if *n < 1 {
					return usagef("--n %d: must be at least 1", *n)
				}
				ds, err := data.Load(*path, data.LoadOptions{Progress: os.Stderr, Cache: true})
				if err != nil {
					return err
				}
				if err := data.WriteGrid(*out, ds.Train, *n); err != nil {
					return err
				}
				fmt.Printf("%d images of %s written to %s\n", min(*n, ds.Train.N), ds.Root, *out)
				return nil
			}
		},
	})
	register(&command{
		name:     "data export",
		summary:  "write a dataset in the Apparels layout (CSVs and PNGs)",
		usage:    "--format apparels --out DIR [--data PATH] [--limit N]",
		examples: "  glcnn data export --format apparels --out /tmp/apparels\n  glcnn data export --format apparels --out small --limit 500",
		flags: func(fs *pflag.FlagSet) func([]string) error {
			path := fs.String("data", "", "dataset to read (default "+data.DefaultDir+")")
			format := fs.String("format", "apparels", "output layout: apparels")
			out := fs.String("out", "", "folder to create")
			limit := countFlag(fs, "limit", "first N images of each set (0: all)")
			return func(args []string) error {
				if err := noArgs(args); err != nil {
					return err
				}
				if *format != "apparels" {
					return usagef("--format %q: only apparels is supported", *format)
				}
				if *out == "" {
					return usagef("--out is required")
				}
				if err := checkNewDir(*out); err != nil {
					return err
				}
				ds, err := data.Load(*path, data.LoadOptions{Progress: os.Stderr})
				if err != nil {
					return err
				}
				// SIGINT and SIGTERM stop the export, which then removes its temporary folder.
				ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
				defer stop()
				if err := data.ExportApparelsContext(ctx, ds, *out, *limit); err != nil {
					return err
				}
				fmt.Printf("wrote the Apparels layout of %s to %s\n", ds.Root, *out)
				return nil
			}
		},
	})
}
