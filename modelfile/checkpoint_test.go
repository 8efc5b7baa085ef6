package modelfile

import (
	"encoding/json"
	"math"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/glcnn/glcnn/report"
	"github.com/glcnn/glcnn/safetensors"
)

// sampleCheckpoint is a run interrupted in its third epoch, whose first
// epoch had no validation split (NaN metrics).
func sampleCheckpoint() Checkpoint {
	nan := math.NaN()
	return Checkpoint{Epoch: 2, StepInEpoch: 5, LossAcc: [2]float32{12.5, 0.25}, Correct: 300, Seconds: 1.5,
		Metrics: []report.EpochMetrics{
			{Epoch: 1, TrainLoss: 0.9, ValLoss: nan, TrainAcc: 0.7, ValAcc: nan, LR: 0.01, Seconds: 3, ImgPerSec: 600},
			{Epoch: 2, TrainLoss: 0.5, ValLoss: 0.6, TrainAcc: 0.8, ValAcc: 0.75, LR: 0.005, Seconds: 2.5, ImgPerSec: 720}},
		Config:         json.RawMessage(`{"arch":"flatten,fc:10"}`),
		Optimizer:      "adam",
		OptimizerStep:  25,
		OptimizerState: [][]float32{{1, 2, 3}, {-1, 0.5}},
	}
}

// sameMetrics compares metrics with NaN equal to NaN.
func sameMetrics(a, b []report.EpochMetrics) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		x, y := a[i], b[i]
		for _, p := range [][2]float64{{float64(x.Epoch), float64(y.Epoch)}, {x.TrainLoss, y.TrainLoss}, {x.ValLoss, y.ValLoss},
			{x.TrainAcc, y.TrainAcc}, {x.ValAcc, y.ValAcc}, {x.LR, y.LR}, {x.Seconds, y.Seconds}, {x.ImgPerSec, y.ImgPerSec}} {
			if p[0] != p[1] && !(math.IsNaN(p[0]) && math.IsNaN(p[1])) {
				return false
			}
		}
	}
	return true
}

func TestCheckpointRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "checkpoint.safetensors")
	want := sampleCheckpoint()
	if err := WriteCheckpoint(path, sampleMeta(), sampleModel(), want); err != nil {
		t.Fatal(err)
	}
	meta, model, ck, err := ReadCheckpoint(path)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(meta, sampleMeta()) || !reflect.DeepEqual(model, sampleModel()) {
		t.Errorf("the metadata or the model read are not those written: %+v", meta)
	}
	if !sameMetrics(ck.Metrics, want.Metrics) {
		t.Errorf("metrics: got %+v, want %+v", ck.Metrics, want.Metrics)
	}
	ck.Metrics, want.Metrics = nil, nil
	if !reflect.DeepEqual(ck, want) {
		t.Errorf("checkpoint:\n got %+v\nwant %+v", ck, want)
	}
	// The optimizer's state is tensors after the model's, as PyTorch
	// tools see them.
	ts, raw, err := safetensors.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, x := range ts {
		names = append(names, x.Name)
	}
	if got := strings.Join(names, " "); got != "1.weight 1.bias optimizer.0 optimizer.1" {
		t.Errorf("tensors %s", got)
	}
	if raw["checkpoint"] != `{"epoch":2,"step_in_epoch":5,"loss_acc":[12.5,0.25],"correct":300,"seconds":1.5}` ||
		raw["optimizer"] != "adam" || raw["optimizer_step"] != "25" || !strings.HasPrefix(raw["metrics"], "[[1,0.9,null,0.7,null,") {
		t.Errorf("raw metadata: %v", raw)
	}
}

// TestCheckpointRefusesGarbage: a checkpoint whose state does not parse,
// or whose optimizer state is not numbered 0, 1, ..., is refused naming
// the file; one with a value that is not finite is not written.
func TestCheckpointRefusesGarbage(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.safetensors")
	if err := WriteCheckpoint(good, sampleMeta(), sampleModel(), sampleCheckpoint()); err != nil {
		t.Fatal(err)
	}
	ts, meta, err := safetensors.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, want string
		edit       func(ts []safetensors.Tensor, meta map[string]string) []safetensors.Tensor
	}{
		{"state", "bad checkpoint state", func(ts []safetensors.Tensor, m map[string]string) []safetensors.Tensor {
			m["checkpoint"] = "{"
			return ts
		}},
		{"metrics", "bad metrics", func(ts []safetensors.Tensor, m map[string]string) []safetensors.Tensor {
			delete(m, "metrics")
			return ts
		}},
		{"step", "optimizer_step", func(ts []safetensors.Tensor, m map[string]string) []safetensors.Tensor {
			m["optimizer_step"] = "x"
			return ts
		}},
		{"gap", "optimizer.0 is missing", func(ts []safetensors.Tensor, m map[string]string) []safetensors.Tensor {
			return append(ts[:2], ts[3])
		}},
		{"name", "optimizer.x", func(ts []safetensors.Tensor, m map[string]string) []safetensors.Tensor {
			ts[3].Name = "optimizer.x"
			return ts
		}},
	} {
		path := filepath.Join(dir, c.name+".safetensors")
		m := map[string]string{}
		for k, v := range meta {
			m[k] = v
		}
		if err := safetensors.WriteFile(path, c.edit(append([]safetensors.Tensor(nil), ts...), m), m); err != nil {
			t.Fatal(err)
		}
		if _, _, _, err := ReadCheckpoint(path); err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), path) {
			t.Errorf("%s: err = %v, want one naming %s and mentioning %q", c.name, err, path, c.want)
		}
	}
	bad := sampleCheckpoint()
	bad.OptimizerState[1][0] = float32(math.NaN())
	if err := WriteCheckpoint(filepath.Join(dir, "nan.safetensors"), sampleMeta(), sampleModel(), bad); err == nil || !strings.Contains(err.Error(), "optimizer.1 are not finite") {
		t.Errorf("WriteCheckpoint with a NaN optimizer state = %v", err)
	}
}
