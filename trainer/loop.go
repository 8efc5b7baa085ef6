package trainer

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"path/filepath"
	"time"

	"github.com/glcnn/glcnn/data"
	"github.com/glcnn/glcnn/gpu"
	"github.com/glcnn/glcnn/modelfile"
	"github.com/glcnn/glcnn/report"
)

// runner is a Run in progress: its session, the data on the device, and
// what the run folder holds.
type runner struct {
	cfg Config
	opt RunOptions
	val *data.Set
	res *Result

	s      *Session
	rt, rv *data.Resident // training and validation splits (rv nil without one)
	batch  int            // rows of an optimizer step
	steps  int            // optimizer steps of an epoch
	log    *stepLog       // steps.csv; nil without Config.LogEvery

	// kept and keptStep are the checkpoint on disk: epochs done (-1:
	// none) and steps into the next; a DivergedError names it.
	kept, keptStep int
}

// setUp uploads the splits and builds the session.
func (r *runner) setUp(d *gpu.Device, ds *data.Dataset, train *data.Set) error {
	var err error
	if r.rt, err = data.Upload(d, train); err != nil {
		return err
	}
	if r.val != nil && r.val.N > 0 {
		if r.rv, err = data.Upload(d, r.val); err != nil {
			return err
		}
	}
	// gpu.Device.Startup's phases: the data uploaded, the session built.
	d.Mark("data upload")
	r.batch = cmp.Or(r.cfg.Batch, train.N) // 0: full batch
	r.steps = (train.N + r.batch - 1) / r.batch
	if r.s, err = NewSession(d, r.cfg, []int{1, train.H, train.W}, r.batch); err != nil {
		return err
	}
	d.Mark("session")
	r.s.info = RunInfo{DataRoot: ds.Root, Layout: ds.Layout, Glcnn: Build(), Renderer: d.Info().Renderer,
		Variants: RunVariants(r.s.Model.Spec, r.cfg.Variants)}
	return nil
}

// release frees what setUp allocated, the session first.
func (r *runner) release() {
	if r.s != nil {
		r.s.Release()
	}
	for _, res := range []*data.Resident{r.rv, r.rt} {
		if res != nil {
			res.Release()
		}
	}
}

// start initialises the model, or restores it from the checkpoint the run
// resumes, and returns that checkpoint (the zero one for a new run).
func (r *runner) start() (modelfile.Checkpoint, error) {
	s, opt := r.s, r.opt
	var ck modelfile.Checkpoint
	if opt.Resume {
		var err error
		if ck, err = s.loadCheckpoint(filepath.Join(opt.Dir, CheckpointFile)); err != nil {
			return ck, err
		}
		r.res.Metrics, r.kept, r.keptStep = ck.Metrics, ck.Epoch, ck.StepInEpoch
		fmt.Fprintf(opt.Log, "resuming %s at epoch %d, step %d\n", opt.Dir, ck.Epoch+1, ck.StepInEpoch)
	} else {
		s.Model.Init(r.cfg.Seed)
	}
	var err error
	if r.log, err = newStepLog(opt.Dir, r.cfg.LogEvery, opt.Resume, ck); err != nil {
		return ck, err
	}
	fmt.Fprintf(opt.Log, "training %s on %d images (%d validation), batch %d in chunks of %d, %d epochs, on %s\n",
		s.Model.Spec, r.rt.N, valN(r.val), r.batch, s.Chunk, r.cfg.Epochs, s.Dev.Info().Renderer)
	return ck, nil
}

// epoch trains steps [from, steps) of epoch (0-based), spent seconds of
// it having been spent by an earlier session, then judges and saves it.
// stop is true when ctx was cancelled and the run saved a checkpoint of
// the step it stopped at. The error is a *DivergedError when training
// diverged.
func (r *runner) epoch(ctx context.Context, epoch, from int, spent float64) (stop bool, err error) {
	s, cfg, opt, n := r.s, r.cfg, r.opt, r.rt.N
	t0 := time.Now()
	if opt.Progress != nil {
		opt.Progress.Start(epoch+1, cfg.Epochs, r.steps)
	}
	done, err := s.epoch(ctx, r.rt, epoch, from, func(step int) { r.step(epoch, step, from, t0) })
	if opt.Progress != nil {
		opt.Progress.Done()
	}
	if err != nil { // only ctx's
		return true, r.interrupt(epoch, done, spent+time.Since(t0).Seconds())
	}
	sum, correct := s.Loss.ReadSums() // waits for the epoch's last step
	trainDur := time.Since(t0)
	m := report.EpochMetrics{Epoch: epoch + 1, TrainLoss: sum / float64(n), TrainAcc: float64(correct) / float64(n),
		LR: cfg.LR((epoch+1)*r.steps-1, r.steps*cfg.Epochs, epoch), ValLoss: math.NaN(), ValAcc: math.NaN()}
	what, err := s.judge(&m, r.rv, r.res.Metrics)
	if err != nil {
		return true, err
	}
	if what != "" {
		return true, r.diverged(epoch, what)
	}
	m.Seconds = spent + time.Since(t0).Seconds()
	m.ImgPerSec = throughput(n-min(from*r.batch, n), trainDur) // training steps only
	r.res.Metrics = append(r.res.Metrics, m)
	fmt.Fprintf(opt.Log, "epoch %2d/%d  loss %.4f  acc %.2f%%  val_loss %.4f  val_acc %.2f%%  lr %.3g  %.1fs  %.0f img/s\n",
		m.Epoch, cfg.Epochs, m.TrainLoss, 100*m.TrainAcc, m.ValLoss, 100*m.ValAcc, m.LR, m.Seconds, m.ImgPerSec)
	if err := s.saveRun(opt.Dir, modelfile.Checkpoint{Epoch: epoch + 1, Metrics: r.res.Metrics}); err != nil {
		return true, err
	}
	r.kept, r.keptStep = epoch+1, 0
	if err := writeCurves(opt.Dir, r.res.Metrics, s.Model.Spec.String()); err != nil {
		return true, err
	}
	return false, r.log.write()
}

// step follows optimizer step `step` (from 1) of epoch: every
// Config.LogEvery steps it reads the running loss (a readback, so a sync)
// into steps.csv and the log; it reports progress.
func (r *runner) step(epoch, step, from int, t0 time.Time) {
	cfg, opt := r.cfg, r.opt
	loss := math.NaN()
	if cfg.LogEvery > 0 && step%cfg.LogEvery == 0 {
		sum, _ := r.s.Loss.ReadSums()
		images := min(step*r.batch, r.rt.N)
		loss = sum / float64(images)
		r.log.add(report.StepMetrics{Epoch: epoch + 1, Step: step, Images: int64(epoch)*int64(r.rt.N) + int64(images),
			Loss: loss, LR: cfg.LR(epoch*r.steps+step-1, r.steps*cfg.Epochs, epoch)})
		if opt.Progress == nil {
			fmt.Fprintf(opt.Log, "epoch %d step %d/%d  running loss %.4f\n", epoch+1, step, r.steps, loss)
		}
	}
	if opt.Progress != nil {
		opt.Progress.Step(step, throughput((step-from)*r.batch, time.Since(t0)), loss)
	}
}

// interrupt saves a checkpoint of step done of epoch, seconds into it,
// unless a value is not finite (a *DivergedError), and marks the result
// interrupted.
func (r *runner) interrupt(epoch, done int, seconds float64) error {
	s, opt := r.s, r.opt
	if err := s.checkFinite(); err != nil {
		return r.diverged(epoch, err.Error())
	}
	acc, correct := s.Loss.RawSums()
	ck := modelfile.Checkpoint{Epoch: epoch, StepInEpoch: done, LossAcc: acc, Correct: correct, Metrics: r.res.Metrics, Seconds: seconds}
	if err := s.saveRun(opt.Dir, ck); err != nil {
		return err
	}
	if err := r.log.write(); err != nil {
		return err
	}
	fmt.Fprintf(opt.Log, "interrupted in epoch %d at step %d of %d: checkpoint saved in %s, from which a resumed run continues\n",
		epoch+1, done, r.steps, opt.Dir)
	r.res.Interrupted, r.res.TrainSeconds = true, totalSeconds(r.res.Metrics)+seconds
	return nil
}

// diverged is the error of a run that diverged in epoch (0-based).
func (r *runner) diverged(epoch int, what string) error {
	return &DivergedError{Epoch: epoch + 1, What: what, LR: r.cfg.LR0, Kept: r.kept, KeptStep: r.keptStep, Dir: r.opt.Dir}
}
