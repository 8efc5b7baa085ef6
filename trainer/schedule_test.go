package trainer

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"testing"
)

// lrGolden is testdata/lr_schedules.json, written by gen_lr_schedules.py
// from torch.optim.lr_scheduler: the learning rate of every optimizer step
// of each case.
type lrGolden struct {
	Torch string `json:"torch"`
	Cases []struct {
		Name      string    `json:"name"`
		Schedule  string    `json:"schedule"`
		LR        float64   `json:"lr"`
		Epochs    int       `json:"epochs"`
		Steps     int       `json:"steps_per_epoch"`
		StepEvery int       `json:"step_every"`
		Gamma     float64   `json:"gamma"`
		LRs       []float64 `json:"lrs"`
	} `json:"cases"`
}

// TestLRMatchesPyTorch: Config.LR gives, at every optimizer step, the
// learning rate PyTorch's scheduler for the same schedule gives (StepLR,
// CosineAnnealingLR, OneCycleLR), the step schedule's defaults included;
// and so does the per-epoch rate metrics.csv records (the epoch's last
// step). PyTorch computes StepLR and CosineAnnealingLR recursively, glcnn
// in closed form, hence a relative tolerance of 1e-12 rather than bits.
func TestLRMatchesPyTorch(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("testdata", "lr_schedules.json"))
	if err != nil {
		t.Fatal(err)
	}
	var g lrGolden
	if err := json.Unmarshal(raw, &g); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, c := range g.Cases {
		seen[c.Schedule] = true
		cfg := Config{Schedule: c.Schedule, LR0: c.LR, Epochs: c.Epochs, StepEvery: c.StepEvery, Gamma: c.Gamma}
		total := c.Epochs * c.Steps
		if len(c.LRs) != total {
			t.Fatalf("%s: %d rates for %d steps", c.Name, len(c.LRs), total)
		}
		var bad []string
		for i, want := range c.LRs {
			epoch := i / c.Steps
			if got := cfg.LR(i, total, epoch); !lrClose(got, want) && len(bad) < 5 {
				bad = append(bad, fmt.Sprintf("step %d (epoch %d): got %.17g, want %.17g", i, epoch, got, want))
			}
		}
		for _, b := range bad {
			t.Errorf("%s: %s", c.Name, b)
		}
	}
	for _, s := range Schedules {
		if !seen[s] {
			t.Errorf("no golden case for the %s schedule: add one to gen_lr_schedules.py", s)
		}
	}
}

// lrClose is the tolerance of TestLRMatchesPyTorch: fp64 rounding of a
// few dozen operations.
func lrClose(got, want float64) bool {
	return math.Abs(got-want) <= max(1e-12*math.Abs(got+want), 1e-18)
}
