package trainer

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/glcnn/glcnn/gpu/gputest"
)

// TestDivergenceWritesNothing: a learning rate of 1e9 diverges in the
// first epoch, with SGD (non-finite losses and weights) as with Adam (a
// loss of ~1e19 that stays finite): Run says so and writes nothing.
func TestDivergenceWritesNothing(t *testing.T) {
	for _, opt := range []string{"sgd", "adam"} {
		cfg := small()
		cfg.Optimizer, cfg.LR0, cfg.Schedule, cfg.Epochs = opt, 1e9, "constant", 2
		dir := t.TempDir()
		res, err := Run(context.Background(), gputest.Device(t), realData(t), cfg, RunOptions{Dir: dir})
		var de *DivergedError
		if !errors.As(err, &de) || de.Epoch != 1 || de.Kept != -1 || !strings.Contains(err.Error(), "diverged") {
			t.Errorf("%s at lr 1e9: err = %v (result %+v), want divergence in epoch 1", opt, err, res)
		}
		if ents, _ := os.ReadDir(dir); len(ents) > 0 {
			t.Errorf("%s at lr 1e9: %s was written", opt, ents[0].Name())
		}
	}
}

// TestNonFiniteParams: a single NaN or infinity in any parameter, buffer
// or optimizer state is found by the GPU check, named, and SaveModel
// refuses to write such a model.
func TestNonFiniteParams(t *testing.T) {
	d := gputest.Device(t)
	cfg := small()
	s, err := NewSession(d, cfg, []int{1, 28, 28}, 8)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Release()
	s.Model.Init(1)
	if err := s.checkFinite(); err != nil {
		t.Fatalf("freshly initialised model: %v", err)
	}
	dir := t.TempDir()
	for _, c := range []struct {
		layer int
		param string
		v     float32
	}{{0, "weight", float32(math.NaN())}, {1, "running_var", float32(math.Inf(1))}, {6, "bias", float32(math.Inf(-1))}} {
		p := s.Model.Layers[c.layer].Params()
		var i int
		for i = range p {
			if p[i].Name == c.param {
				break
			}
		}
		old := p[i].Value.Read()
		p[i].Value.Buf.UploadAt(len(old)-1, []float32{c.v})
		err := s.checkFinite()
		if name := fmt.Sprintf("%d.%s", c.layer, c.param); err == nil || !strings.Contains(err.Error(), name) || !strings.Contains(err.Error(), "not finite") {
			t.Errorf("%v in %d.%s: checkFinite = %v", c.v, c.layer, c.param, err)
		}
		if err := s.SaveModel(filepath.Join(dir, ModelFile)); err == nil {
			t.Errorf("%v in %d.%s: SaveModel wrote the model", c.v, c.layer, c.param)
		}
		p[i].Value.Buf.UploadAt(0, old)
	}
	// The optimizer state too (Adam's second moment overflows first).
	_, bufs := s.Opt.State()
	bufs[1].Buf.UploadAt(0, []float32{float32(math.Inf(1))})
	if err := s.checkFinite(); err == nil || !strings.Contains(err.Error(), "optimizer") {
		t.Errorf("infinite optimizer state: checkFinite = %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, ModelFile)); err == nil {
		t.Error("a non-finite model was written")
	}
}

// TestCheckLoss: the explosion rule, against the first epoch's loss and
// against ln(10), the loss of a uniform guess over the 10 classes.
func TestCheckLoss(t *testing.T) {
	nan := math.NaN()
	for _, c := range []struct {
		loss, first float64
		diverged    bool
	}{
		{2.3, nan, false}, {200, nan, false}, {231, nan, true}, {1e19, nan, true},
		{nan, nan, true}, {math.Inf(1), 0.5, true},
		{29, 0.3, false}, {31, 0.3, true}, {200, 5, false}, {231, 5, true},
	} {
		if got := checkLoss("training", c.loss, c.first) != ""; got != c.diverged {
			t.Errorf("loss %v after a first epoch of %v: diverged %v, want %v", c.loss, c.first, got, c.diverged)
		}
	}
}

// TestDivergedMessageAfterResume: a run resumed from an interrupted
// epoch's checkpoint that then diverges says that checkpoint is kept,
// with its epoch and step, not "after N epochs".
func TestDivergedMessageAfterResume(t *testing.T) {
	e := &DivergedError{Epoch: 2, What: "the training loss is NaN", LR: 1, Kept: 1, KeptStep: 40, Dir: "runs/x"}
	if msg := e.Error(); !strings.Contains(msg, "resumed from (epoch 2, step 40)") || strings.Contains(msg, "after 1 epochs") {
		t.Errorf("message: %s", msg)
	}
	e.KeptStep = 0
	if msg := e.Error(); !strings.Contains(msg, "after 1 epochs") {
		t.Errorf("message at an epoch boundary: %s", msg)
	}
}
