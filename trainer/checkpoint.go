package trainer

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// checkpoint is the training state beyond the model and optimizer.
type checkpoint struct {
	Epoch       int             `json:"epoch"`         // epochs completed
	StepInEpoch int             `json:"step_in_epoch"` // steps done in the next epoch (interrupted runs)
	LossAcc     [2]float32      `json:"loss_acc"`      // that partial epoch's GPU sums, raw
	Correct     uint32          `json:"correct"`
	Seconds     float64         `json:"seconds"` // that partial epoch's training time so far
	Metrics     []EpochMetrics  `json:"-"`
	Config      json.RawMessage `json:"-"`
}

// optimizerStateName is the checkpoint name of the optimizer's i-th state
// buffer.
func optimizerStateName(i int) string { return fmt.Sprintf("optimizer.%d", i) }

// saveCheckpoint writes the model, the optimizer state and ck atomically.
// It refuses, writing nothing, when a value is not finite.
func (s *Session) saveCheckpoint(path string, ck checkpoint) error {
	ts := s.Model.StateDict()
	step, bufs := s.Opt.State()
	for i, b := range bufs {
		ts = append(ts, STensor{Name: optimizerStateName(i), DType: "F32", Shape: []int{b.Len()}, F32: b.Read()})
	}
	if err := allFinite(ts); err != nil {
		return fmt.Errorf("trainer: %s not written: %w", path, err)
	}
	state, _ := json.Marshal(ck)
	metrics, _ := json.Marshal(metricsJSON(ck.Metrics))
	cfg, _ := json.Marshal(s.Cfg)
	meta := s.metadata()
	meta["checkpoint"] = string(state)
	meta["metrics"] = string(metrics)
	meta["config"] = string(cfg)
	meta["optimizer"] = optimizerName(s.Opt)
	meta["optimizer_step"] = strconv.Itoa(step)
	return WriteSafetensors(path, ts, meta)
}

// loadCheckpoint restores the model, the optimizer and the training state
// from a checkpoint; every error is a *ModelError.
func (s *Session) loadCheckpoint(path string) (checkpoint, error) {
	var ck checkpoint
	ts, meta, err := ReadSafetensors(path)
	if err != nil {
		return ck, &ModelError{Path: path, Err: err}
	}
	if meta["arch"] != s.Model.Spec.String() {
		return ck, modelErrorf(path, "a checkpoint of arch %q, not %q", meta["arch"], s.Model.Spec)
	}
	if in, want := meta["input"], s.metadata()["input"]; in != want {
		return ck, modelErrorf(path, "a checkpoint for %s images, not %s", strings.ReplaceAll(in, ",", "x"), ShapeString(s.Model.In))
	}
	if o, want := meta["optimizer"], optimizerName(s.Opt); o != "" && o != want {
		return ck, modelErrorf(path, "a checkpoint of optimizer %s, not %s", o, want)
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
		return ck, modelErrorf(path, "%v", err)
	}
	_, bufs := s.Opt.State()
	for i, b := range bufs {
		t, ok := opt[i]
		if !ok || len(t.F32) != b.Len() {
			return ck, modelErrorf(path, "optimizer state %d missing or of another size", i)
		}
		b.Buf.UploadAt(0, t.F32)
	}
	n, _ := strconv.Atoi(meta["optimizer_step"])
	s.Opt.SetStep(n)
	if err := json.Unmarshal([]byte(meta["checkpoint"]), &ck); err != nil {
		return ck, modelErrorf(path, "bad checkpoint state: %v", err)
	}
	var rows []metricsRow
	if err := json.Unmarshal([]byte(meta["metrics"]), &rows); err != nil {
		return ck, modelErrorf(path, "bad metrics: %v", err)
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
