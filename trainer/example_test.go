package trainer_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"strings"

	"github.com/glcnn/glcnn/data"
	"github.com/glcnn/glcnn/gpu"
	"github.com/glcnn/glcnn/trainer"
)

// Train a small network from Go: the tutorial network, one epoch on the
// first 300 Fashion-MNIST training images. Run writes the same run folder as
// `glcnn train`; its Result has the per-epoch metrics.
func ExampleRun() {
	d, err := gpu.Open(gpu.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer d.Close()

	// "" is data.DefaultDir, Debian's dataset-fashion-mnist; an Apparels
	// folder (train.csv, train/<id>.png, ...) loads the same way.
	ds, err := data.Load("", data.LoadOptions{})
	if err != nil {
		log.Fatal(err)
	}
	// At the end Run predicts the test set for submission.csv; 100 test
	// images keep the example quick.
	ds.Test = ds.Test.Limit(100)
	ds.SubmissionIDs = ds.Test.IDs

	cfg := trainer.Presets["tutorial"].Config // a copy: change it freely
	cfg.Epochs, cfg.Batch, cfg.Limit = 1, 100, 300

	dir, err := os.MkdirTemp("", "glcnn-example-run-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	res, err := trainer.Run(context.Background(), d, ds, cfg, trainer.RunOptions{Dir: dir})
	if err != nil {
		log.Fatal(err) // a *trainer.ConfigError, a *trainer.DivergedError, ...
	}
	// Losses and accuracies depend on the driver's rounding: print what
	// does not.
	fmt.Println("epochs:", len(res.Metrics))
	for _, name := range []string{trainer.ModelFile, trainer.MetricsFile, trainer.SubmissionFile} {
		_, err := os.Stat(filepath.Join(dir, name))
		fmt.Printf("%s written: %v\n", name, err == nil)
	}
	sub, err := os.ReadFile(filepath.Join(dir, trainer.SubmissionFile))
	if err != nil {
		log.Fatal(err)
	}
	rows := strings.Split(strings.TrimSpace(string(sub)), "\n")
	first, _, _ := strings.Cut(rows[1], ",")
	fmt.Printf("submission.csv: %d rows, first id %s\n", len(rows)-1, first)
	// Output:
	// epochs: 1
	// model.safetensors written: true
	// metrics.csv written: true
	// submission.csv written: true
	// submission.csv: 100 rows, first id 60001
}

// Load a model and predict one image: its class, and the probability of
// each class.
func ExampleLoadModel() {
	d, err := gpu.Open(gpu.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer d.Close()

	// `glcnn train` writes runs/latest/model.safetensors. So that this
	// example runs anywhere, it saves an untrained tutorial network instead.
	path := filepath.Join(os.TempDir(), fmt.Sprintf("glcnn-example-%d.safetensors", os.Getpid()))
	defer os.Remove(path)
	untrained, err := trainer.NewSession(d, trainer.Presets["tutorial"].Config, []int{1, 28, 28}, 1)
	if err != nil {
		log.Fatal(err)
	}
	untrained.Model.Init(1)
	if err := untrained.SaveModel(path); err != nil {
		log.Fatal(err)
	}
	untrained.Release()

	// The batch (here 1) bounds the rows of one pass, not the images
	// Predict takes.
	s, err := trainer.LoadModel(d, path, 1)
	if err != nil {
		log.Fatal(err) // a *trainer.ModelError names the file and the problem
	}
	defer s.Release()
	fmt.Println("model input (C, H, W):", s.Model.In)

	// Any data.Set of 28x28 8-bit gray images will do; here the first
	// Fashion-MNIST test image.
	ds, err := data.Load("", data.LoadOptions{})
	if err != nil {
		log.Fatal(err)
	}
	img := ds.Test.Limit(1)
	fmt.Printf("image %d, labelled %s\n", img.ID(0), data.ClassNames[img.Labels[0]])

	pred, err := s.Predict(img) // one class per image
	if err != nil {
		log.Fatal(err) // images of another size than the model's input
	}
	probs, err := s.Probabilities(img) // data.NumClasses per image
	if err != nil {
		log.Fatal(err)
	}
	best, sum := 0, 0.0
	for c, p := range probs[0] {
		sum += p
		if p > probs[0][best] {
			best = c
		}
	}
	// An untrained network's class means nothing; data.ClassNames[pred[0]]
	// names it.
	fmt.Printf("%d probabilities, sum %.6f\n", len(probs[0]), sum)
	fmt.Println("Predict's class is the most probable:", int(pred[0]) == best)
	// Output:
	// model input (C, H, W): [1 28 28]
	// image 60001, labelled Ankle boot
	// 10 probabilities, sum 1.000000
	// Predict's class is the most probable: true
}
