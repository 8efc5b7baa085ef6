package modelfile

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/glcnn/glcnn/report"
	"github.com/glcnn/glcnn/safetensors"
)

// Checkpoint is what a checkpoint file keeps of a training run beside the
// model: how far the run got, what it measured, its configuration and the
// optimizer's state.
type Checkpoint struct {
	Epoch int // epochs completed
	// StepInEpoch is the steps done of the next epoch by a run interrupted
	// in it (0 after a whole epoch); LossAcc and Correct are that partial
	// epoch's loss and accuracy sums as the GPU keeps them (raw), Seconds
	// its training time so far.
	StepInEpoch int
	LossAcc     [2]float32
	Correct     uint32
	Seconds     float64

	Metrics []report.EpochMetrics // the completed epochs'
	Config  json.RawMessage       // the run's configuration (a trainer.Config) as JSON

	Optimizer      string      // its name ("sgd", "adam", "adamw"); "" in a file that does not say
	OptimizerStep  int         // the optimizer's step count
	OptimizerState [][]float32 // its state buffers, in order: tensors OptimizerStateName(0), ...
}

// progress is the metadata "checkpoint": the fields of Checkpoint that say
// where the run stopped.
type progress struct {
	Epoch       int        `json:"epoch"`
	StepInEpoch int        `json:"step_in_epoch"`
	LossAcc     [2]float32 `json:"loss_acc"`
	Correct     uint32     `json:"correct"`
	Seconds     float64    `json:"seconds"`
}

// optimizerPrefix begins the name of every optimizer state tensor.
const optimizerPrefix = "optimizer."

// OptimizerStateName is the checkpoint name of the optimizer's i-th state
// buffer: "optimizer.0", ...
func OptimizerStateName(i int) string { return optimizerPrefix + strconv.Itoa(i) }

// WriteCheckpoint writes a checkpoint: the model's state dict, then the
// optimizer's state, with meta and ck as metadata. It refuses, writing
// nothing, when a value is not finite; the file is replaced atomically,
// so a crash leaves the previous checkpoint.
func WriteCheckpoint(path string, meta Meta, model []safetensors.Tensor, ck Checkpoint) error {
	ts := model[:len(model):len(model)]
	for i, s := range ck.OptimizerState {
		ts = append(ts, safetensors.Tensor{Name: OptimizerStateName(i), DType: safetensors.F32, Shape: []int{len(s)}, F32: s})
	}
	if err := allFinite(ts); err != nil {
		return fmt.Errorf("modelfile: %s not written: %w", path, err)
	}
	state, err := json.Marshal(progress{ck.Epoch, ck.StepInEpoch, ck.LossAcc, ck.Correct, ck.Seconds})
	if err != nil {
		return fmt.Errorf("modelfile: %s not written: %w", path, err) // a Seconds that is not finite
	}
	metrics, err := json.Marshal(metricsJSON(ck.Metrics))
	if err != nil {
		return fmt.Errorf("modelfile: %s not written: %w", path, err)
	}
	m := meta.encode()
	m["checkpoint"] = string(state)
	m["metrics"] = string(metrics)
	if len(ck.Config) > 0 {
		m["config"] = string(ck.Config)
	}
	m["optimizer"] = ck.Optimizer
	m["optimizer_step"] = strconv.Itoa(ck.OptimizerStep)
	return safetensors.WriteFile(path, ts, m)
}

// ReadCheckpoint reads a checkpoint: its metadata, the model's state dict
// (in file order) and the rest of the run's state. It refuses what [Read]
// refuses, and a checkpoint whose state does not parse or whose optimizer
// state tensors are not numbered 0, 1, ... Errors name the file.
func ReadCheckpoint(path string) (Meta, []safetensors.Tensor, Checkpoint, error) {
	meta, ts, raw, err := read(path)
	if err != nil {
		return Meta{}, nil, Checkpoint{}, err
	}
	model, ck, err := decodeCheckpoint(ts, raw)
	if err != nil {
		return Meta{}, nil, Checkpoint{}, fmt.Errorf("modelfile: %s: %w", path, err)
	}
	return meta, model, ck, nil
}

// decodeCheckpoint separates the model's tensors from the optimizer's
// state in ts, and reads the rest of the checkpoint from its metadata.
func decodeCheckpoint(ts []safetensors.Tensor, meta map[string]string) ([]safetensors.Tensor, Checkpoint, error) {
	var ck Checkpoint
	var model []safetensors.Tensor
	state := map[int][]float32{}
	for _, t := range ts {
		i, ok := strings.CutPrefix(t.Name, optimizerPrefix)
		if !ok {
			model = append(model, t)
			continue
		}
		n, err := strconv.Atoi(i)
		if err != nil || n < 0 || n >= len(ts) || t.DType != safetensors.F32 || len(t.Shape) != 1 {
			return nil, ck, fmt.Errorf("tensor %s (%s %v) is not an optimizer state", t.Name, t.DType, t.Shape)
		}
		state[n] = t.F32
	}
	for i := range len(state) {
		s, ok := state[i]
		if !ok {
			return nil, ck, fmt.Errorf("optimizer state %s is missing", OptimizerStateName(i))
		}
		ck.OptimizerState = append(ck.OptimizerState, s)
	}
	var p progress
	if err := json.Unmarshal([]byte(meta["checkpoint"]), &p); err != nil {
		return nil, ck, fmt.Errorf("bad checkpoint state: %w", err)
	}
	ck.Epoch, ck.StepInEpoch, ck.LossAcc, ck.Correct, ck.Seconds = p.Epoch, p.StepInEpoch, p.LossAcc, p.Correct, p.Seconds
	var rows []metricsRow
	if err := json.Unmarshal([]byte(meta["metrics"]), &rows); err != nil {
		return nil, ck, fmt.Errorf("bad metrics: %w", err)
	}
	ck.Metrics = fromMetricsJSON(rows)
	var err error
	if ck.OptimizerStep, err = strconv.Atoi(meta["optimizer_step"]); err != nil || ck.OptimizerStep < 0 {
		return nil, ck, fmt.Errorf("metadata optimizer_step %q is not a step count", meta["optimizer_step"])
	}
	ck.Optimizer = meta["optimizer"]
	if c := meta["config"]; c != "" {
		ck.Config = json.RawMessage(c)
	}
	return model, ck, nil
}

// metricsRow is a report.EpochMetrics with NaN-safe JSON (a value that is
// not finite, such as the validation loss of a run without one, is null).
type metricsRow [8]*float64

func metricsJSON(ms []report.EpochMetrics) []metricsRow {
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

func fromMetricsJSON(rows []metricsRow) []report.EpochMetrics {
	ms := make([]report.EpochMetrics, len(rows))
	for i, r := range rows {
		v := func(j int) float64 {
			if r[j] == nil {
				return math.NaN()
			}
			return *r[j]
		}
		ms[i] = report.EpochMetrics{Epoch: int(v(0)), TrainLoss: v(1), ValLoss: v(2), TrainAcc: v(3), ValAcc: v(4), LR: v(5), Seconds: v(6), ImgPerSec: v(7)}
	}
	return ms
}
