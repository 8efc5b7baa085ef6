package main

import (
	"fmt"
	"os"

	"github.com/spf13/pflag"

	"github.com/glcnn/glcnn/autotune"
	"github.com/glcnn/glcnn/check"
	"github.com/glcnn/glcnn/gpu"
	"github.com/glcnn/glcnn/trainer"
)

// autotuneUsage is the help of --autotune, in train's Config flags and in
// eval's and predict's own.
const autotuneUsage = "time the kernel variants of each conv and fc layer on this device once (cached) and run the fastest that passes the self-check: on, or off (each op's default)"

// addAutotune adds --autotune to eval or predict, which run a saved
// model's network: the mode replaces the model's (train's --autotune is a
// Config flag, configFlags).
func (c *checkFlag) addAutotune(fs *pflag.FlagSet) {
	fs.StringVar(&c.autotune, "autotune", trainer.AutotuneOn, autotuneUsage)
}

// evalBatch is the rows eval and predict run a pass at (at most: the
// device's limits may cap them, trainer.ChunkRows).
const evalBatch = 1024

// tune applies cfg.Autotune: with "on" it times (or reads from the cache)
// the variants of cfg's layers at the rows of a pass for batches of
// `batch` images, prints what it timed now, and sets cfg.Variants to the
// winners and opt.Order to the rankings, for the self-check to validate.
func tune(dev *gpu.Device, cfg *trainer.Config, opt *check.Options, in []int, batch int) error {
	if cfg.Autotune == trainer.AutotuneOff {
		return nil
	}
	rows, err := trainer.ChunkRows(dev, *cfg, in, batch)
	if err != nil {
		return err
	}
	req := autotune.Request{Config: *cfg, In: in, Batch: rows, Train: opt.Train}
	res, err := autotune.Ensure(dev, req, autotune.Options{}, autotune.DefaultCacheDir())
	if err != nil {
		return err
	}
	for _, l := range res.Summary() {
		fmt.Fprintln(os.Stderr, "glcnn:", l)
	}
	res.Apply(cfg, opt)
	return nil
}
