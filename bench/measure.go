package bench

import (
	"slices"
	"time"

	"github.com/glcnn/glcnn/gpu"
)

// Timing is the result of timing one piece of GPU work repeatedly.
type Timing struct {
	Min    time.Duration
	Median time.Duration
	Runs   int
	Clock  gpu.Clock
}

// budget bounds how often a piece of work is run: Warmup untimed runs, then
// timed runs until Runs are done or MaxTime has passed (at least one).
type budget struct {
	Warmup  int
	Runs    int
	MaxTime time.Duration
}

// measure times f (which issues GL work) with d.Time after the warm-up runs.
// The warm-up absorbs first-dispatch costs (llvmpipe JIT-compiles a kernel
// on its first dispatch; real drivers page memory in).
func measure(d *gpu.Device, b budget, f func()) Timing {
	for range b.Warmup {
		d.Time(f)
	}
	var ts []time.Duration
	var clock gpu.Clock
	var total time.Duration
	for len(ts) < max(b.Runs, 1) {
		dur, c := d.Time(f)
		ts = append(ts, dur)
		clock = c
		total += dur
		if total > b.MaxTime {
			break
		}
	}
	slices.Sort(ts)
	return Timing{Min: ts[0], Median: ts[len(ts)/2], Runs: len(ts), Clock: clock}
}

func ms(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1e6 }

// rate is amount per second, in units of 1e9, over duration t.
func rate(amount int64, t time.Duration) float64 {
	if t <= 0 {
		return 0
	}
	return float64(amount) / t.Seconds() / 1e9
}
