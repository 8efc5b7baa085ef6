package main

import (
	"os"

	"github.com/spf13/pflag"

	"github.com/glcnn/glcnn/data"
	"github.com/glcnn/glcnn/report"
	"github.com/glcnn/glcnn/trainer"
)

func init() {
	register(&command{
		name:     "eval",
		summary:  "accuracy, per-class table and confusion matrix of a model on the test set",
		usage:    "--model FILE [--data PATH] [--split test|train] [--json]",
		examples: "  glcnn eval --model runs/latest/model.safetensors\n  glcnn eval --model model.safetensors --data ~/apparels --split train\n  glcnn eval --model model.safetensors --json | jq .accuracy",
		flags: func(fs *pflag.FlagSet) func([]string) error {
			var g gpuFlags
			model, path := modelFlags(fs)
			split := fs.String("split", "test", "which labelled set to evaluate: test or train")
			asJSON := fs.Bool("json", false, "print the accuracy, per-class table and confusion matrix as one JSON object")
			var ck checkFlag
			ck.add(fs)
			ck.addAutotune(fs)
			g.add(fs)
			return func(args []string) error {
				if err := noArgs(args); err != nil {
					return err
				}
				if *split != "test" && *split != "train" {
					return usagef("--split %q: want test or train", *split)
				}
				ds, set, s, closeAll, err := openModel(&g, &ck, *model, *path, func(ds *data.Dataset) (*data.Set, error) {
					set := ds.Test
					if *split == "train" {
						set = ds.Train
					}
					if set == nil || set.Labels == nil {
						return nil, usagef("the %s set of %s has no labels (Apparels test sets have none): try --split train", *split, ds.Root)
					}
					return set, nil
				})
				if err != nil {
					return err
				}
				defer closeAll()
				preds, err := s.Predict(set)
				if err != nil {
					return err
				}
				cm := report.Confusion(preds, set.Labels, len(data.ClassNames))
				if *asJSON {
					e := newEvalJSON(cm, data.ClassNames[:])
					e.Model, e.Data, e.Layout, e.Split, e.Images, e.Renderer = *model, ds.Root, ds.Layout, *split, set.N, s.Dev.Info().Renderer
					return printJSON(e)
				}
				rep := report.Text{Title: "glcnn eval", Classes: data.ClassNames[:], Lines: []string{"model: " + *model, "data: " + ds.String(), "renderer: " + s.Dev.Info().Renderer},
					Sections: []report.Section{{Name: *split, CM: cm}}}
				return rep.Render(os.Stdout)
			}
		},
	})
}

// modelFlags are the --model and --data flags of eval and predict.
func modelFlags(fs *pflag.FlagSet) (model, path *string) {
	return fs.String("model", "", "model.safetensors written by glcnn train"),
		fs.String("data", "", "dataset (default "+data.DefaultDir+")")
}

// openModel reads the model and the dataset, checks that the set pick
// chooses has images of the model's input shape, then opens the device,
// runs the device self-check on the model's network (as --check says) and
// loads the model for evaluation with the kernel variants the check
// chose; closeAll releases them. Every mistake in the model, the data or
// their match is found before the device is opened.
func openModel(g *gpuFlags, ck *checkFlag, model, path string, pick func(*data.Dataset) (*data.Set, error)) (ds *data.Dataset, set *data.Set, s *trainer.Session, closeAll func(), err error) {
	if model == "" {
		return nil, nil, nil, nil, usagef("--model is required")
	}
	if err := ck.validate(); err != nil {
		return nil, nil, nil, nil, err
	}
	f, err := trainer.ReadModel(model)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	if ds, err = data.Load(path, data.LoadOptions{Progress: os.Stderr, Cache: true}); err != nil {
		return nil, nil, nil, nil, err
	}
	if set, err = pick(ds); err != nil {
		return nil, nil, nil, nil, err
	}
	if err := f.CheckInput(set); err != nil {
		return nil, nil, nil, nil, usagef("--model %s takes %s images; %s has %s images", model, trainer.ShapeString(f.In), ds.Root, trainer.ShapeString([]int{1, set.H, set.W}))
	}
	if s, closeAll, err = openSession(g, ck, f); err != nil {
		return nil, nil, nil, nil, err
	}
	return ds, set, s, closeAll, nil
}

// openSession opens the device, runs the device self-check on the
// network of the model f (as --check says) and loads f for evaluation
// with the kernel variants the check chose; closeAll releases them.
func openSession(g *gpuFlags, ck *checkFlag, f *trainer.SavedModel) (s *trainer.Session, closeAll func(), err error) {
	dev, err := g.open()
	if err != nil {
		return nil, nil, err
	}
	if f.Config.Variants, err = ck.variants(dev, f.Config, f.In, false, evalBatch); err == nil {
		s, err = f.NewSession(dev, evalBatch)
	}
	if err != nil {
		dev.Close()
		return nil, nil, err
	}
	return s, func() { s.Release(); dev.Close() }, nil
}
