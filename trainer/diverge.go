package trainer

import (
	"fmt"
	"math"

	"github.com/glcnn/glcnn/data"
	"github.com/glcnn/glcnn/layers"
	"github.com/glcnn/glcnn/modelfile"
)

// explosion is how many times its reference a loss may grow before the run
// counts as diverged (see lossLimit).
const explosion = 100

// DivergedError is a run stopped because training diverged: a loss that is
// not finite or exploded, or a parameter, buffer or optimizer state that is
// not finite. Nothing of the diverged epoch was written; a run that
// diverges in its first epoch writes nothing at all.
type DivergedError struct {
	Epoch int     // the epoch that diverged, from 1
	What  string  // what was found: "the training loss is NaN", ...
	LR    float64 // the run's Config.LR0
	Kept  int     // epochs done in the checkpoint left in Dir; -1: none was written
	// KeptStep is the step of epoch Kept+1 that checkpoint stopped at: 0
	// after a whole epoch, more for the mid-epoch checkpoint of an
	// interrupted run that was resumed and then diverged.
	KeptStep int
	Dir      string
}

func (e *DivergedError) Error() string {
	return e.Message(fmt.Sprintf("try %g", e.LR/10))
}

// Message is the error's text with advice of the caller's choosing on the
// learning rate (the CLI names its flag).
func (e *DivergedError) Message(advice string) string {
	kept := "nothing was written"
	switch {
	case e.Kept >= 0 && e.KeptStep > 0:
		kept = fmt.Sprintf("the checkpoint this run resumed from (epoch %d, step %d) is kept in %s", e.Kept+1, e.KeptStep, e.Dir)
	case e.Kept >= 0:
		kept = fmt.Sprintf("the last good checkpoint (after %d epochs) is kept in %s", e.Kept, e.Dir)
	}
	return fmt.Sprintf("trainer: epoch %d: %s: training diverged; the learning rate %g is probably too high (%s); %s",
		e.Epoch, e.What, e.LR, advice, kept)
}

// lossLimit is the largest loss that is not an explosion: 100 times the
// smaller of the first epoch's loss (NaN: not known yet) and ln(classes),
// the loss of a uniform guess, where every freshly initialised classifier
// starts, so that a run that diverges within its first epoch is caught
// too (Adam at lr 1e9 ends its first epoch at a loss of about 1e19). ref
// says which reference it is.
func lossLimit(first float64) (limit float64, ref string) {
	uniform := math.Log(float64(len(data.ClassNames)))
	if first < uniform { // false for NaN
		return explosion * first, fmt.Sprintf("the first epoch's %.4g", first)
	}
	return explosion * uniform, fmt.Sprintf("%.4g, the loss of a uniform guess", uniform)
}

// checkLoss describes a loss that diverged ("" when it did not): not
// finite, or past lossLimit(first).
func checkLoss(name string, loss, first float64) string {
	if math.IsNaN(loss) || math.IsInf(loss, 0) {
		return fmt.Sprintf("the %s loss is %v", name, loss)
	}
	if limit, ref := lossLimit(first); loss > limit {
		return fmt.Sprintf("the %s loss %.4g is over %d times %s", name, loss, explosion, ref)
	}
	return ""
}

// checkFinite counts, on the GPU, the values of every parameter, buffer
// and optimizer state that are not finite; the error names the first
// tensor that has any (by its state-dict or checkpoint name). One small
// readback.
func (s *Session) checkFinite() error {
	names, ts := s.stateTensors()
	counts := make([]int, len(ts))
	s.finite.Count(counts, ts)
	for i, c := range counts {
		if c > 0 {
			return fmt.Errorf("%d of the %d values of %s are not finite", c, ts[i].Len(), names[i])
		}
	}
	return nil
}

// stateTensors lists every tensor a checkpoint saves, by its name there:
// each layer's parameters and buffers, then the optimizer's state.
func (s *Session) stateTensors() (names []string, ts []*layers.Tensor) {
	for i, l := range s.Model.Layers {
		for _, p := range l.Params() {
			names = append(names, stateName(i, p.Name))
			ts = append(ts, p.Value)
		}
	}
	_, bufs := s.Opt.State()
	for i, b := range bufs {
		names = append(names, modelfile.OptimizerStateName(i))
		ts = append(ts, b)
	}
	return names, ts
}
