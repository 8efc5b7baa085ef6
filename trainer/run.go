package trainer

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/glcnn/glcnn/data"
	"github.com/glcnn/glcnn/gpu"
)

// Files of a run folder.
const (
	CheckpointFile = "checkpoint.safetensors"
	ModelFile      = "model.safetensors"
	MetricsFile    = "metrics.csv"
	ConfigFile     = "config.json"
	ReportFile     = "report.txt"
	SubmissionFile = "submission.csv"
)

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

// Result summarises a finished run.
type Result struct {
	Dir               string
	Metrics           []EpochMetrics
	ValAcc, TestAcc   float64 // NaN when absent
	TrainSeconds      float64
	Interrupted       bool
	SubmissionWritten bool
}

// Run trains cfg on ds and writes the run folder: metrics.csv, loss.png,
// accuracy.png, a checkpoint after every epoch, and at the end
// model.safetensors, report.txt, confusion.png, config.json and
// submission.csv. When ctx is cancelled (Ctrl-C) it saves a checkpoint at
// the current step and returns with Result.Interrupted set; --resume then
// continues to the same final weights, bit for bit.
func Run(ctx context.Context, d *gpu.Device, ds *data.Dataset, cfg Config, opt RunOptions) (*Result, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if opt.Log == nil {
		opt.Log = io.Discard
	}
	if err := os.MkdirAll(opt.Dir, 0o755); err != nil {
		return nil, err
	}
	train, val := data.Split(ds.Train.Limit(cfg.Limit), cfg.Val, cfg.Seed)
	rt, err := data.Upload(d, train)
	if err != nil {
		return nil, err
	}
	defer rt.Release()
	var rv *data.Resident
	if val != nil && val.N > 0 {
		if rv, err = data.Upload(d, val); err != nil {
			return nil, err
		}
		defer rv.Release()
	}
	batch := cfg.Batch
	if batch == 0 {
		batch = train.N
	}
	in := []int{1, train.H, train.W}
	s, err := NewSession(d, cfg, in, batch)
	if err != nil {
		return nil, err
	}
	defer s.Release()

	res := &Result{Dir: opt.Dir}
	ck := checkpoint{}
	if opt.Resume {
		if ck, err = s.loadCheckpoint(filepath.Join(opt.Dir, CheckpointFile)); err != nil {
			return nil, err
		}
		res.Metrics = ck.Metrics
		fmt.Fprintf(opt.Log, "resuming %s at epoch %d, step %d\n", opt.Dir, ck.Epoch+1, ck.StepInEpoch)
	} else {
		s.Model.Init(cfg.Seed)
	}
	if err := writeJSON(filepath.Join(opt.Dir, ConfigFile), cfg); err != nil {
		return nil, err
	}
	fmt.Fprintf(opt.Log, "training %s on %d images (%d validation), batch %d in chunks of %d, %d epochs, on %s\n",
		s.Model.Spec, train.N, valN(val), batch, s.Chunk, cfg.Epochs, d.Info().Renderer)

	steps := (train.N + batch - 1) / batch
	for epoch := ck.Epoch; epoch < cfg.Epochs; epoch++ {
		t0 := time.Now()
		from := 0
		if epoch == ck.Epoch && ck.StepInEpoch > 0 {
			from = ck.StepInEpoch
			s.Loss.SetRawSums(ck.LossAcc, ck.Correct)
		}
		if opt.Progress != nil {
			opt.Progress.Start(epoch+1, cfg.Epochs, steps)
		}
		done, err := s.epoch(ctx, rt, epoch, from, func(step int) {
			loss := math.NaN()
			if cfg.LogEvery > 0 && step%cfg.LogEvery == 0 {
				sum, _ := s.Loss.ReadSums()
				loss = sum / float64(min(step*batch, train.N))
				if opt.Progress == nil {
					fmt.Fprintf(opt.Log, "epoch %d step %d/%d  running loss %.4f\n", epoch+1, step, steps, loss)
				}
			}
			if opt.Progress != nil {
				opt.Progress.Step(step, throughput((step-from)*batch, time.Since(t0)), loss)
			}
		})
		if opt.Progress != nil {
			opt.Progress.Done()
		}
		if err != nil && ctx.Err() != nil {
			acc, correct := s.Loss.RawSums()
			ck := checkpoint{Epoch: epoch, StepInEpoch: done, LossAcc: acc, Correct: correct, Metrics: res.Metrics}
			if err := s.saveCheckpoint(filepath.Join(opt.Dir, CheckpointFile), ck); err != nil {
				return nil, err
			}
			fmt.Fprintf(opt.Log, "interrupted in epoch %d at step %d of %d: checkpoint saved; continue with --resume --out %s\n", epoch+1, done, steps, opt.Dir)
			res.Interrupted = true
			return res, nil
		}
		sum, correct := s.Loss.ReadSums() // waits for the epoch's last step
		trainDur := time.Since(t0)
		m := EpochMetrics{Epoch: epoch + 1, TrainLoss: sum / float64(train.N), TrainAcc: float64(correct) / float64(train.N),
			LR: cfg.LR((epoch+1)*steps-1, steps*cfg.Epochs, epoch), ValLoss: math.NaN(), ValAcc: math.NaN()}
		if math.IsNaN(m.TrainLoss) || math.IsInf(m.TrainLoss, 0) {
			return res, fmt.Errorf("epoch %d: the training loss is %v: the learning rate %g is probably too high, try --lr %g; the last good checkpoint (epoch %d) is kept in %s",
				epoch+1, m.TrainLoss, cfg.LR0, cfg.LR0/10, epoch, opt.Dir)
		}
		if rv != nil {
			m.ValLoss, m.ValAcc = s.Evaluate(rv, nil)
		}
		m.Seconds = time.Since(t0).Seconds()
		m.ImgPerSec = throughput(train.N-min(from*batch, train.N), trainDur) // training steps only
		res.Metrics = append(res.Metrics, m)
		res.TrainSeconds += m.Seconds
		fmt.Fprintf(opt.Log, "epoch %2d/%d  loss %.4f  acc %.2f%%  val_loss %.4f  val_acc %.2f%%  lr %.3g  %.1fs  %.0f img/s\n",
			m.Epoch, cfg.Epochs, m.TrainLoss, 100*m.TrainAcc, m.ValLoss, 100*m.ValAcc, m.LR, m.Seconds, m.ImgPerSec)
		if err := s.saveCheckpoint(filepath.Join(opt.Dir, CheckpointFile), checkpoint{Epoch: epoch + 1, Metrics: res.Metrics}); err != nil {
			return nil, err
		}
		if err := writeCurves(opt.Dir, res.Metrics, s.Model.Spec.String()); err != nil {
			return nil, err
		}
	}
	if err := s.finish(ds, rv, val, opt, res); err != nil {
		return nil, err
	}
	return res, nil
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

func writeCurves(dir string, rows []EpochMetrics, title string) error {
	if err := WriteMetricsCSV(filepath.Join(dir, MetricsFile), rows); err != nil {
		return err
	}
	if err := PlotLoss(filepath.Join(dir, "loss.png"), rows, "loss — "+title); err != nil {
		return err
	}
	return PlotAccuracy(filepath.Join(dir, "accuracy.png"), rows, "accuracy — "+title)
}

// finish writes the model, the evaluation report, the confusion matrix and
// the submission.
func (s *Session) finish(ds *data.Dataset, rv *data.Resident, val *data.Set, opt RunOptions, res *Result) error {
	if err := s.SaveModel(filepath.Join(opt.Dir, ModelFile)); err != nil {
		return err
	}
	rep := Report{Title: "glcnn report", Classes: data.ClassNames[:], Lines: []string{
		"arch: " + s.Model.Spec.String(),
		"renderer: " + s.Dev.Info().Renderer,
		fmt.Sprintf("epochs: %d, training time %.1f s", len(res.Metrics), res.TrainSeconds),
	}}
	res.ValAcc, res.TestAcc = math.NaN(), math.NaN()
	if rv != nil {
		preds := make([]int32, rv.N)
		s.Evaluate(rv, preds)
		cm := Confusion(preds, val.Labels, len(data.ClassNames))
		rep.Sections = append(rep.Sections, ReportSection{Name: "validation", CM: cm})
		_, res.ValAcc = ClassReport(cm, data.ClassNames[:])
	}
	if ds.Test != nil && ds.Test.N > 0 {
		rtest, err := data.Upload(s.Dev, ds.Test)
		if err != nil {
			return err
		}
		defer rtest.Release()
		preds := make([]int32, rtest.N)
		s.Evaluate(rtest, preds)
		if ds.Test.Labels != nil {
			cm := Confusion(preds, ds.Test.Labels, len(data.ClassNames))
			rep.Sections = append(rep.Sections, ReportSection{Name: "test", CM: cm})
			_, res.TestAcc = ClassReport(cm, data.ClassNames[:])
		}
		if err := WriteSubmission(filepath.Join(opt.Dir, SubmissionFile), ds, preds); err != nil {
			return err
		}
		res.SubmissionWritten = true
	}
	if len(rep.Sections) > 0 {
		last := rep.Sections[len(rep.Sections)-1]
		if err := PlotConfusion(filepath.Join(opt.Dir, "confusion.png"), last.CM, data.ClassNames[:], "confusion ("+last.Name+")"); err != nil {
			return err
		}
	}
	return WriteReport(filepath.Join(opt.Dir, ReportFile), rep)
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
	return data.WriteFileAtomic(path, func(w io.Writer) error {
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
	return data.WriteFileAtomic(path, func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	})
}

// checkpoint is the training state beyond the model and optimizer.
type checkpoint struct {
	Epoch       int             `json:"epoch"`         // epochs completed
	StepInEpoch int             `json:"step_in_epoch"` // steps done in the next epoch (interrupted runs)
	LossAcc     [2]float32      `json:"loss_acc"`      // that partial epoch's GPU sums, raw
	Correct     uint32          `json:"correct"`
	Metrics     []EpochMetrics  `json:"-"`
	Config      json.RawMessage `json:"-"`
}

// saveCheckpoint writes the model, the optimizer state and ck atomically.
func (s *Session) saveCheckpoint(path string, ck checkpoint) error {
	ts := s.Model.StateDict()
	step, bufs := s.Opt.State()
	for i, b := range bufs {
		ts = append(ts, STensor{Name: fmt.Sprintf("optimizer.%d", i), DType: "F32", Shape: []int{b.Len()}, F32: b.Read()})
	}
	state, _ := json.Marshal(ck)
	metrics, _ := json.Marshal(metricsJSON(ck.Metrics))
	cfg, _ := json.Marshal(s.Cfg)
	meta := s.metadata()
	meta["checkpoint"] = string(state)
	meta["metrics"] = string(metrics)
	meta["config"] = string(cfg)
	meta["optimizer_step"] = strconv.Itoa(step)
	return WriteSafetensors(path, ts, meta)
}

func (s *Session) loadCheckpoint(path string) (checkpoint, error) {
	var ck checkpoint
	ts, meta, err := ReadSafetensors(path)
	if err != nil {
		return ck, fmt.Errorf("--resume: %w", err)
	}
	if meta["arch"] != s.Model.Spec.String() {
		return ck, fmt.Errorf("--resume: %s is for arch %q, not %q", path, meta["arch"], s.Model.Spec)
	}
	var model []STensor
	opt := map[int]STensor{}
	for _, t := range ts {
		if i, ok := strings.CutPrefix(t.Name, "optimizer."); ok {
			n, _ := strconv.Atoi(i)
			opt[n] = t
			continue
		}
		model = append(model, t)
	}
	if err := s.Model.LoadStateDict(model); err != nil {
		return ck, fmt.Errorf("--resume: %s: %w", path, err)
	}
	_, bufs := s.Opt.State()
	for i, b := range bufs {
		t, ok := opt[i]
		if !ok || len(t.F32) != b.Len() {
			return ck, fmt.Errorf("--resume: %s: optimizer state %d missing or of another size", path, i)
		}
		b.Buf.UploadAt(0, t.F32)
	}
	n, _ := strconv.Atoi(meta["optimizer_step"])
	s.Opt.SetStep(n)
	if err := json.Unmarshal([]byte(meta["checkpoint"]), &ck); err != nil {
		return ck, fmt.Errorf("--resume: %s: bad checkpoint state: %v", path, err)
	}
	var rows []metricsRow
	if err := json.Unmarshal([]byte(meta["metrics"]), &rows); err != nil {
		return ck, fmt.Errorf("--resume: %s: bad metrics: %v", path, err)
	}
	ck.Metrics = fromMetricsJSON(rows)
	return ck, nil
}

// metricsRow is EpochMetrics with NaN-safe JSON (NaN as null).
type metricsRow [8]*float64

func metricsJSON(ms []EpochMetrics) []metricsRow {
	rows := make([]metricsRow, len(ms))
	for i, m := range ms {
		for j, v := range []float64{float64(m.Epoch), m.TrainLoss, m.ValLoss, m.TrainAcc, m.ValAcc, m.LR, m.Seconds, m.ImgPerSec} {
			if !math.IsNaN(v) && !math.IsInf(v, 0) {
				rows[i][j] = &v
			}
		}
	}
	return rows
}

func fromMetricsJSON(rows []metricsRow) []EpochMetrics {
	ms := make([]EpochMetrics, len(rows))
	for i, r := range rows {
		v := func(j int) float64 {
			if r[j] == nil {
				return math.NaN()
			}
			return *r[j]
		}
		ms[i] = EpochMetrics{Epoch: int(v(0)), TrainLoss: v(1), ValLoss: v(2), TrainAcc: v(3), ValAcc: v(4), LR: v(5), Seconds: v(6), ImgPerSec: v(7)}
	}
	return ms
}

// metadata is what a model file says about itself.
func (s *Session) metadata() map[string]string {
	return map[string]string{
		"format":  "glcnn",
		"arch":    s.Model.Spec.String(),
		"input":   strings.Trim(strings.Join(strings.Fields(fmt.Sprint(s.Model.In)), ","), "[]"),
		"classes": strings.Join(data.ClassNames[:], "|"),
		"mean":    strconv.FormatFloat(s.Cfg.Mean, 'g', -1, 64),
		"std":     strconv.FormatFloat(s.Cfg.Std, 'g', -1, 64),
	}
}

// SaveModel writes the weights as a PyTorch-compatible state dict.
func (s *Session) SaveModel(path string) error {
	return WriteSafetensors(path, s.Model.StateDict(), s.metadata())
}

// SavedModel is a model.safetensors written by SaveModel, read into memory:
// what it says about its network, and its tensors.
type SavedModel struct {
	Path string
	// Config holds the architecture and the input normalisation; set
	// Config.Variants before NewSession to choose kernel variants.
	Config  Config
	In      []int // per-sample input shape (C,H,W)
	tensors []STensor
}

// ReadModel reads a model file and its metadata.
func ReadModel(path string) (*SavedModel, error) {
	ts, meta, err := ReadSafetensors(path)
	if err != nil {
		return nil, err
	}
	var in []int
	for _, f := range strings.Split(meta["input"], ",") {
		v, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil {
			return nil, fmt.Errorf("%s: metadata input %q is not a shape", path, meta["input"])
		}
		in = append(in, v)
	}
	cfg := Config{Arch: meta["arch"], Optimizer: "sgd", Std: 1}
	cfg.Mean, _ = strconv.ParseFloat(meta["mean"], 64)
	if v, err := strconv.ParseFloat(meta["std"], 64); err == nil && v > 0 {
		cfg.Std = v
	}
	return &SavedModel{Path: path, Config: cfg, In: in, tensors: ts}, nil
}

// NewSession builds the model on d for batches of up to batch rows and
// loads the file's weights into it.
func (f *SavedModel) NewSession(d *gpu.Device, batch int) (*Session, error) {
	s, err := NewSession(d, f.Config, f.In, batch)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", f.Path, err)
	}
	if err := s.Model.LoadStateDict(f.tensors); err != nil {
		s.Release()
		return nil, fmt.Errorf("%s: %w", f.Path, err)
	}
	return s, nil
}

// LoadModel opens a model.safetensors for evaluation and prediction, with
// every layer's default kernel variant.
func LoadModel(d *gpu.Device, path string, batch int) (*Session, error) {
	f, err := ReadModel(path)
	if err != nil {
		return nil, err
	}
	return f.NewSession(d, batch)
}
