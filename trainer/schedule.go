package trainer

import (
	"fmt"
	"math"
)

// Schedules names the learning-rate schedules.
var Schedules = []string{"constant", "step", "cosine", "onecycle"}

// LR returns the learning rate of optimizer step t (0-based) of total steps,
// in epoch `epoch` (0-based), as PyTorch's schedulers would give it when
// stepped once per optimizer step (cosine, onecycle) or once per epoch
// (step); testdata/lr_schedules.json holds their values (see
// TestLRMatchesPyTorch):
//   - constant: base                                         ("" too)
//   - step:     base * gamma^floor(epoch/every)               (StepLR; zero
//     StepEvery and Gamma are DefaultStepEvery and DefaultGamma)
//   - cosine:   base * (1 + cos(pi*t/total)) / 2              (CosineAnnealingLR, eta_min 0)
//   - onecycle: warm up from base/25 to base over 30% of the steps, then
//     anneal to base/25e4, both by cosine                      (OneCycleLR defaults)
func (c *Config) LR(t, total, epoch int) float64 {
	base := c.LR0
	switch c.Schedule {
	case "step":
		d := *c
		d.SetDefaults()
		return base * math.Pow(d.Gamma, float64(epoch/max(d.StepEvery, 1)))
	case "cosine":
		return base * (1 + math.Cos(math.Pi*float64(t)/float64(total))) / 2
	case "onecycle":
		initial := base / 25
		final := initial / 1e4
		end1 := 0.3*float64(total) - 1
		end2 := float64(total) - 1
		anneal := func(from, to, pct float64) float64 { return to + (from-to)/2*(math.Cos(math.Pi*pct)+1) }
		if float64(t) <= end1 {
			return anneal(initial, base, float64(t)/end1)
		}
		return anneal(base, final, (float64(t)-end1)/(end2-end1))
	}
	return base
}

func checkSchedule(name string) error {
	for _, s := range Schedules {
		if s == name {
			return nil
		}
	}
	return fmt.Errorf("unknown schedule %q (want constant, step, cosine or onecycle)", name)
}
