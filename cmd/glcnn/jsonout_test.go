package main

import (
	"encoding/binary"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/glcnn/glcnn/safetensors"
	"github.com/glcnn/glcnn/trainer"
)

// TestJSONRuns: train, eval and predict --json print one JSON object on
// stdout (the epoch log goes to stderr); config.json records the data's
// resolved folder and layout, glcnn's version and the renderer; the model
// file records glcnn's version.
func TestJSONRuns(t *testing.T) {
	t.Setenv("GLCNN_CACHE_DIR", t.TempDir())
	data := apparels(t, 20, 28, true)
	out := filepath.Join(t.TempDir(), "run")
	code, stdout, stderr := captureBoth(t, append(quick(data, out), "--json")...)
	if code != 0 {
		t.Fatalf("train --json: status %d: %s", code, stderr)
	}
	var tr struct {
		Out          string   `json:"out"`
		Layout       string   `json:"layout"`
		Epochs       []any    `json:"epochs"`
		ValAccuracy  *float64 `json:"val_accuracy"`
		Model        string   `json:"model"`
		Submission   string   `json:"submission"`
		Renderer     string   `json:"renderer"`
		TrainSeconds float64  `json:"train_seconds"`
		Config       struct {
			Arch string `json:"arch"`
		} `json:"config"`
	}
	dec := json.NewDecoder(strings.NewReader(stdout))
	if err := dec.Decode(&tr); err != nil || dec.More() {
		t.Fatalf("train --json stdout is not one JSON object (%v):\n%s", err, stdout)
	}
	if tr.Out != out || tr.Layout != "apparels" || len(tr.Epochs) != 1 || tr.ValAccuracy != nil || tr.Model != filepath.Join(out, trainer.ModelFile) ||
		tr.Submission != filepath.Join(out, trainer.SubmissionFile) || tr.Renderer == "" || tr.Config.Arch != tinyArch {
		t.Errorf("train --json: %+v", tr)
	}
	if !strings.Contains(stderr, "epoch  1/1") {
		t.Errorf("train --json: the epoch log is not on stderr:\n%s", stderr)
	}

	var cfg struct {
		Arch string          `json:"arch"`
		Run  trainer.RunInfo `json:"run"`
	}
	raw, _ := os.ReadFile(filepath.Join(out, trainer.ConfigFile))
	abs, _ := filepath.Abs(data)
	if err := json.Unmarshal(raw, &cfg); err != nil || cfg.Arch != tinyArch || cfg.Run.DataRoot != abs || cfg.Run.Layout != "apparels" ||
		cfg.Run.Glcnn.Version != trainer.Build().Version || cfg.Run.Glcnn.Go == "" || cfg.Run.Renderer != tr.Renderer {
		t.Errorf("config.json (%v):\n%s", err, raw)
	}
	_, meta, err := safetensors.ReadFile(filepath.Join(out, trainer.ModelFile))
	if err != nil || meta["glcnn_version"] != trainer.Build().Version || meta["glcnn_go"] == "" {
		t.Errorf("model metadata (%v): %v", err, meta)
	}

	model := filepath.Join(out, trainer.ModelFile)
	code, stdout, stderr = captureBoth(t, "eval", "--model", model, "--data", data, "--split", "train", "--check", "off", "--json")
	var ev evalJSON
	if err := json.Unmarshal([]byte(stdout), &ev); code != 0 || err != nil {
		t.Fatalf("eval --json: status %d, %v: %s\n%s", code, err, stderr, stdout)
	}
	total, diag := 0, 0
	for i, row := range ev.Confusion {
		for j, n := range row {
			total += n
			if i == j {
				diag += n
			}
		}
	}
	if ev.Images != 20 || total != 20 || ev.Accuracy == nil || *ev.Accuracy != float64(diag)/20 || len(ev.Classes) != 10 || ev.Split != "train" || ev.Layout != "apparels" {
		t.Errorf("eval --json: %+v", ev)
	}

	code, stdout, stderr = captureBoth(t, "predict", "--model", model, "--data", data, "--out", filepath.Join(t.TempDir(), "s.csv"), "--check", "off", "--json")
	var pr struct {
		Predictions int   `json:"predictions"`
		FirstID     int64 `json:"first_id"`
		LastID      int64 `json:"last_id"`
	}
	if err := json.Unmarshal([]byte(stdout), &pr); code != 0 || err != nil || pr.Predictions != 20 || pr.FirstID != 1 || pr.LastID != 20 {
		t.Errorf("predict --json: status %d, %v, %+v: %s\n%s", code, err, pr, stderr, stdout)
	}
}

// writeIDX writes an IDX layout of train and test images (28x28) with
// labels into dir.
func writeIDX(t *testing.T, dir string, train, test int) {
	t.Helper()
	write := func(name string, magic uint32, dims []int, body []byte) {
		b := binary.BigEndian.AppendUint32(nil, magic)
		for _, d := range dims {
			b = binary.BigEndian.AppendUint32(b, uint32(d))
		}
		if err := os.WriteFile(filepath.Join(dir, name), append(b, body...), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, s := range []struct {
		prefix string
		n      int
	}{{"train", train}, {"t10k", test}} {
		pix := make([]byte, s.n*28*28)
		labels := make([]byte, s.n)
		for i := range pix {
			pix[i] = byte(i*7 + i/784*31)
		}
		for i := range labels {
			labels[i] = byte(i % 10)
		}
		write(s.prefix+"-images-idx3-ubyte", 0x803, []int{s.n, 28, 28}, pix)
		write(s.prefix+"-labels-idx1-ubyte", 0x801, []int{s.n}, labels)
	}
}

// TestIDXContestIDs: on IDX data, train's submission.csv and predict write
// the contest's test ids, 60001.. in record order.
func TestIDXContestIDs(t *testing.T) {
	t.Setenv("GLCNN_CACHE_DIR", t.TempDir())
	data := t.TempDir()
	writeIDX(t, data, 30, 12)
	out := filepath.Join(t.TempDir(), "run")
	if code, _, stderr := captureBoth(t, quick(data, out)...); code != 0 {
		t.Fatalf("train: status %d: %s", code, stderr)
	}
	sub := filepath.Join(t.TempDir(), "sub.csv")
	if code, _, stderr := captureBoth(t, "predict", "--model", filepath.Join(out, trainer.ModelFile), "--data", data, "--out", sub, "--check", "off"); code != 0 {
		t.Fatalf("predict: status %d: %s", code, stderr)
	}
	for _, path := range []string{filepath.Join(out, trainer.SubmissionFile), sub} {
		rows := readCSV(t, path)
		if len(rows) != 13 || strings.Join(rows[0], ",") != "id,label" {
			t.Fatalf("%s: %v", path, rows)
		}
		for i, r := range rows[1:] {
			if r[0] != strconv.Itoa(60001+i) {
				t.Errorf("%s row %d: id %s, want %d", path, i+1, r[0], 60001+i)
				break
			}
		}
	}
}
