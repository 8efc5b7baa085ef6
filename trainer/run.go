package trainer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/glcnn/glcnn/data"
	"github.com/glcnn/glcnn/gpu"
	"github.com/glcnn/glcnn/internal/fsutil"
	"github.com/glcnn/glcnn/modelfile"
	"github.com/glcnn/glcnn/report"
)

// Files of a run folder.
const (
	CheckpointFile    = "checkpoint.safetensors"
	ModelFile         = "model.safetensors"
	MetricsFile       = "metrics.csv"
	StepsFile         = "steps.csv" // only with Config.LogEvery > 0
	ConfigFile        = "config.json"
	ReportFile        = "report.txt"
	SubmissionFile    = "submission.csv"
	LossPlotFile      = "loss.png"
	AccuracyPlotFile  = "accuracy.png"
	ConfusionPlotFile = "confusion.png"
)

// OutputFiles are the files Run may write in a run folder.
var OutputFiles = []string{ConfigFile, MetricsFile, StepsFile, LossPlotFile, AccuracyPlotFile, CheckpointFile,
	ModelFile, ReportFile, ConfusionPlotFile, SubmissionFile}

// ClearOutputs removes from dir the outputs of an earlier run (OutputFiles,
// and the temporary files an interrupted write of one leaves), so that a
// new run in dir does not mix its files with the old run's. Other files
// are left alone. A missing dir is not an error.
func ClearOutputs(dir string) error {
	ents, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("trainer: clear the outputs of %s: %w", dir, err)
	}
	for _, e := range ents {
		if !isOutput(e.Name()) {
			continue
		}
		if err := os.Remove(filepath.Join(dir, e.Name())); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("trainer: clear the outputs of %s: %w", dir, err)
		}
	}
	return nil
}

// isOutput reports whether name is one of OutputFiles or the temporary
// file of an interrupted write of one (".NAME.tmp-*"). Names are compared
// as strings, not as glob patterns, so a run folder named with [ or * is
// cleared like any other.
func isOutput(name string) bool {
	for _, f := range OutputFiles {
		if name == f || strings.HasPrefix(name, "."+f+".tmp-") {
			return true
		}
	}
	return false
}

// RunOptions say where a run writes and how it reports progress.
type RunOptions struct {
	Dir      string    // run folder; created if missing
	Resume   bool      // continue from Dir's checkpoint
	Log      io.Writer // one line per epoch, and notes
	Progress Progress  // per-step progress (a terminal bar), may be nil
}

// Progress follows the steps of an epoch. loss is the epoch's running mean
// loss, read from the GPU every Config.LogEvery steps (NaN in between: no
// per-step readback).
type Progress interface {
	Start(epoch, epochs, steps int)
	Step(step int, imgPerSec, loss float64)
	Done()
}

// RunInfo is what config.json records besides the Config: the data the
// run read and what ran it. A resumed run reads only the Config back.
type RunInfo struct {
	DataRoot string    `json:"data_root"` // the folder the data were read from, resolved (Config.Data may be "")
	Layout   string    `json:"layout"`    // data.LayoutIDX or data.LayoutApparels
	Glcnn    BuildInfo `json:"glcnn"`
	Renderer string    `json:"renderer"` // the GL renderer that trained it
	// Variants is the kernel variant each layer with several ran (conv,
	// fc), by index in the arch: Config.Variants, with each op's default
	// where it has none. They belong to the device (Config.Autotune, the
	// self-check), so a resumed run chooses them again.
	Variants map[int]string `json:"variants,omitempty"`
}

// RunVariants is the kernel variant that each layer of spec with several
// runs, by index, when variants (Config.Variants) are asked for: the
// asked one, or the op's default.
func RunVariants(spec Spec, variants map[int]string) map[int]string {
	out := map[int]string{}
	for i, it := range spec {
		it, err := it.Resolve()
		if err != nil || it.Op.Variants == nil {
			continue
		}
		out[i] = variants[i]
		if out[i] == "" {
			out[i] = it.Op.Default()
		}
	}
	return out
}

// runConfig is config.json: the Config's fields, then "run".
type runConfig struct {
	Config
	Run RunInfo `json:"run"`
}

// Result summarises a finished run.
type Result struct {
	Dir               string
	Metrics           []report.EpochMetrics
	ValAcc, TestAcc   float64 // NaN when absent
	TrainSeconds      float64
	Interrupted       bool
	SubmissionWritten bool
}

// Run trains cfg on ds and writes the run folder: metrics.csv, loss.png,
// accuracy.png, a checkpoint after every epoch (with steps.csv, the running
// loss every Config.LogEvery steps, when that is set), and at the end
// model.safetensors, report.txt, confusion.png, config.json and
// submission.csv. When ctx is cancelled (Ctrl-C) it saves a checkpoint at
// the current step and returns with Result.Interrupted set; a run with
// RunOptions.Resume then continues to the same final weights, bit for bit.
//
// Before it writes a checkpoint or the model it checks the epoch's losses
// and, on the GPU, every parameter, buffer and optimizer state: a loss or
// value that is not finite, or a loss that exploded, stops the run with a
// *DivergedError and leaves the last good checkpoint as it was. A
// configuration or split that cannot train gives a *ConfigError before
// anything is written.
func Run(ctx context.Context, d *gpu.Device, ds *data.Dataset, cfg Config, opt RunOptions) (*Result, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if opt.Log == nil {
		opt.Log = io.Discard
	}
	train, val, err := split(ds, cfg)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(opt.Dir, 0o755); err != nil {
		return nil, err
	}
	r := &runner{cfg: cfg, opt: opt, val: val, res: &Result{Dir: opt.Dir}, kept: -1}
	defer r.release()
	if err := r.setUp(d, ds, train); err != nil {
		return nil, err
	}
	ck, err := r.start()
	if err != nil {
		return nil, err
	}
	for epoch := ck.Epoch; epoch < cfg.Epochs; epoch++ {
		from, spent := 0, 0.0 // steps done and seconds spent in this epoch by an earlier session
		if epoch == ck.Epoch && ck.StepInEpoch > 0 {
			from, spent = ck.StepInEpoch, ck.Seconds
			r.s.Loss.SetRawSums(ck.LossAcc, ck.Correct)
		}
		stop, err := r.epoch(ctx, epoch, from, spent)
		var de *DivergedError
		switch {
		case errors.As(err, &de):
			return r.res, err
		case err != nil:
			return nil, err
		case stop: // interrupted, with a checkpoint
			return r.res, nil
		}
	}
	r.res.TrainSeconds = totalSeconds(r.res.Metrics) // every session's
	if err := r.s.finish(ds, r.rv, val, opt, r.res); err != nil {
		return nil, err
	}
	return r.res, nil
}

// judge evaluates the validation split into m and says what diverged in
// the epoch ("" when nothing did): the training loss, the validation loss
// (against the first epoch's, in earlier), or a parameter, buffer or
// optimizer state. The error is one of evaluation, not of training.
func (s *Session) judge(m *report.EpochMetrics, rv *data.Resident, earlier []report.EpochMetrics) (string, error) {
	firstTrain, firstVal := math.NaN(), math.NaN()
	if len(earlier) > 0 {
		firstTrain, firstVal = earlier[0].TrainLoss, earlier[0].ValLoss
	}
	if what := checkLoss("training", m.TrainLoss, firstTrain); what != "" {
		return what, nil
	}
	if rv != nil {
		var err error
		if m.ValLoss, m.ValAcc, err = s.Evaluate(rv, nil); err != nil {
			return "", err
		}
		if what := checkLoss("validation", m.ValLoss, firstVal); what != "" {
			return what, nil
		}
	}
	if err := s.checkFinite(); err != nil {
		return err.Error(), nil
	}
	return "", nil
}

// totalSeconds is the training time of the epochs in ms.
func totalSeconds(ms []report.EpochMetrics) float64 {
	t := 0.0
	for _, m := range ms {
		t += m.Seconds
	}
	return t
}

// saveRun writes config.json and the checkpoint ck in dir: a run folder
// holds nothing until its first checkpoint, so a run that diverges in its
// first epoch leaves it empty.
func (s *Session) saveRun(dir string, ck modelfile.Checkpoint) error {
	if err := writeJSON(filepath.Join(dir, ConfigFile), runConfig{s.Cfg, s.info}); err != nil {
		return err
	}
	return s.saveCheckpoint(filepath.Join(dir, CheckpointFile), ck)
}

func valN(s *data.Set) int {
	if s == nil {
		return 0
	}
	return s.N
}

// epoch trains steps [from, steps) of an epoch and returns the number of
// steps done when ctx is cancelled.
func (s *Session) epoch(ctx context.Context, r *data.Resident, epoch, from int, progress func(step int)) (int, error) {
	batch := s.Cfg.Batch
	if batch == 0 {
		batch = r.N
	}
	steps := (r.N + batch - 1) / batch
	total := steps * s.Cfg.Epochs
	r.Shuffle(s.Cfg.Seed, epoch)
	if from == 0 {
		s.Loss.ResetSums()
	}
	for i := from; i < steps; i++ {
		if err := ctx.Err(); err != nil {
			return i, err
		}
		start := i * batch
		t := epoch*steps + i
		s.TrainStep(r, start, min(batch, r.N-start), s.Cfg.LR(t, total, epoch), stepSeed(s.Cfg.Seed, t))
		progress(i + 1)
	}
	return steps, nil
}

// writeCurves writes metrics.csv and the loss and accuracy plots of rows.
func writeCurves(dir string, rows []report.EpochMetrics, title string) error {
	if err := report.WriteMetricsCSV(filepath.Join(dir, MetricsFile), rows); err != nil {
		return err
	}
	if err := report.PlotLoss(filepath.Join(dir, LossPlotFile), rows, "loss — "+title); err != nil {
		return err
	}
	return report.PlotAccuracy(filepath.Join(dir, AccuracyPlotFile), rows, "accuracy — "+title)
}

// finish writes the model, the evaluation report, the confusion matrix and
// the submission.
func (s *Session) finish(ds *data.Dataset, rv *data.Resident, val *data.Set, opt RunOptions, res *Result) error {
	if err := s.SaveModel(filepath.Join(opt.Dir, ModelFile)); err != nil {
		return err
	}
	rep := report.Text{Title: "glcnn report", Classes: data.ClassNames[:], Lines: []string{
		"arch: " + s.Model.Spec.String(),
		"renderer: " + s.Dev.Info().Renderer,
		fmt.Sprintf("epochs: %d, training time %.1f s", len(res.Metrics), res.TrainSeconds),
	}}
	res.ValAcc, res.TestAcc = math.NaN(), math.NaN()
	if rv != nil {
		preds := make([]int32, rv.N)
		if _, _, err := s.Evaluate(rv, preds); err != nil {
			return err
		}
		cm := report.Confusion(preds, val.Labels, len(data.ClassNames))
		rep.Sections = append(rep.Sections, report.Section{Name: "validation", CM: cm})
		_, res.ValAcc = report.ClassReport(cm, data.ClassNames[:])
	}
	if ds.Test != nil && ds.Test.N > 0 {
		rtest, err := data.Upload(s.Dev, ds.Test)
		if err != nil {
			return err
		}
		defer rtest.Release()
		preds := make([]int32, rtest.N)
		if _, _, err := s.Evaluate(rtest, preds); err != nil {
			return err
		}
		if ds.Test.Labels != nil {
			cm := report.Confusion(preds, ds.Test.Labels, len(data.ClassNames))
			rep.Sections = append(rep.Sections, report.Section{Name: "test", CM: cm})
			_, res.TestAcc = report.ClassReport(cm, data.ClassNames[:])
		}
		if err := WriteSubmission(filepath.Join(opt.Dir, SubmissionFile), ds, preds); err != nil {
			return err
		}
		res.SubmissionWritten = true
	}
	if len(rep.Sections) > 0 {
		last := rep.Sections[len(rep.Sections)-1]
		if err := report.PlotConfusion(filepath.Join(opt.Dir, ConfusionPlotFile), last.CM, data.ClassNames[:], "confusion ("+last.Name+")"); err != nil {
			return err
		}
	}
	return report.WriteText(filepath.Join(opt.Dir, ReportFile), rep)
}

// WriteSubmission writes id,label for the test set in the order of the
// sample submission (or test list).
func WriteSubmission(path string, ds *data.Dataset, preds []int32) error {
	byID := make(map[int64]int32, len(preds))
	for i, p := range preds {
		byID[ds.Test.IDs[i]] = p
	}
	order := ds.SubmissionIDs
	if len(order) == 0 {
		order = ds.Test.IDs
	}
	return writeAtomic(path, func(w io.Writer) error {
		var b strings.Builder
		b.WriteString("id,label\n")
		for _, id := range order {
			p, ok := byID[id]
			if !ok {
				return fmt.Errorf("submission: id %d of the sample submission is not in the test set", id)
			}
			b.WriteString(strconv.FormatInt(id, 10) + "," + strconv.Itoa(int(p)) + "\n")
		}
		_, err := io.WriteString(w, b.String())
		return err
	})
}

func writeJSON(path string, v any) error {
	return writeAtomic(path, func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	})
}

// writeAtomic is fsutil.WriteFileAtomic (temporary file in the same folder,
// fsync, rename; nothing half-written ever visible at path) with the path
// in the error.
func writeAtomic(path string, write func(io.Writer) error) error {
	if err := fsutil.WriteFileAtomic(path, write); err != nil {
		return fmt.Errorf("trainer: write %s: %w", path, err)
	}
	return nil
}
