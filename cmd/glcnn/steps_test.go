package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/glcnn/glcnn/trainer"
)

// TestLogEverySteps: train --log-every 2 writes steps.csv in the run folder
// (a row every 2 steps: epoch,step,images,loss,lr), logs the running loss,
// and names the file in --json; without the flag there is no steps.csv.
func TestLogEverySteps(t *testing.T) {
	t.Setenv("GLCNN_CACHE_DIR", t.TempDir())
	data := apparels(t, 20, 28, true)
	out := filepath.Join(t.TempDir(), "run")
	code, stdout, stderr := captureBoth(t, append(quick(data, out), "--batch", "4", "--log-every", "2", "--json")...)
	if code != 0 {
		t.Fatalf("train --log-every 2: status %d: %s", code, stderr)
	}
	var tr struct {
		Steps string `json:"steps"`
	}
	if err := json.Unmarshal([]byte(stdout), &tr); err != nil || tr.Steps != filepath.Join(out, trainer.StepsFile) {
		t.Errorf("train --json: steps %q (%v), want %s", tr.Steps, err, filepath.Join(out, trainer.StepsFile))
	}
	raw, err := os.ReadFile(filepath.Join(out, trainer.StepsFile))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(raw)), "\n")
	// 20 images in batches of 4: 5 steps, logged at steps 2 and 4.
	if len(lines) != 3 || lines[0] != "epoch,step,images,loss,lr" ||
		!strings.HasPrefix(lines[1], "1,2,8,") || !strings.HasPrefix(lines[2], "1,4,16,") {
		t.Errorf("steps.csv:\n%s", raw)
	}
	if !strings.Contains(stderr, "epoch 1 step 4/5  running loss") {
		t.Errorf("no running-loss line in the log:\n%s", stderr)
	}

	plain := filepath.Join(t.TempDir(), "run")
	if code, _, stderr := captureBoth(t, quick(data, plain)...); code != 0 {
		t.Fatalf("train: status %d: %s", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(plain, trainer.StepsFile)); !os.IsNotExist(err) {
		t.Errorf("a run without --log-every wrote %s (%v)", trainer.StepsFile, err)
	}
}
