package trainer

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/glcnn/glcnn/report"
)

// TestStepLog: with LogEvery 3, a run writes steps.csv with a row every 3
// steps (the running loss, the images so far, the step's learning rate),
// reading the loss back only then; a run interrupted and resumed writes
// the same file, bit for bit, as an uninterrupted one, rows past its
// checkpoint dropped; without LogEvery there is no steps.csv.
func TestStepLog(t *testing.T) {
	cfg := small()
	cfg.Epochs, cfg.LogEvery = 2, 3
	tmp := t.TempDir()
	a, c := filepath.Join(tmp, "a"), filepath.Join(tmp, "c")

	pa := &probe{}
	run(t, cfg, a, false, pa)
	const train, batch, steps = 630, 64, 10 // 700 images, 10% validation
	rows, err := report.ReadStepsCSV(filepath.Join(a, StepsFile))
	if err != nil {
		t.Fatal(err)
	}
	var want []report.StepMetrics
	for epoch := 1; epoch <= 2; epoch++ {
		for step := 3; step <= steps; step += 3 {
			want = append(want, report.StepMetrics{Epoch: epoch, Step: step, Images: int64((epoch-1)*train + step*batch),
				LR: cfg.LR((epoch-1)*steps+step-1, 2*steps, epoch-1)})
		}
	}
	if len(rows) != len(want) {
		t.Fatalf("steps.csv has %d rows, want %d: %+v", len(rows), len(want), rows)
	}
	for i, r := range rows {
		w := want[i]
		if r.Epoch != w.Epoch || r.Step != w.Step || r.Images != w.Images || r.LR != w.LR || !(r.Loss > 0 && r.Loss < 5) {
			t.Errorf("row %d: %+v, want %+v with a loss in (0, 5)", i, r, w)
		}
	}
	for e := range pa.start {
		// Loss.ReadSums reads two small buffers, the loss and the hits.
		if n := pa.end[e].Downloads - pa.start[e].Downloads; n != 2*(steps/3) {
			t.Errorf("epoch %d: %d downloads during the steps, want %d (two a logged step, none otherwise)", e+1, n, 2*(steps/3))
		}
	}

	// Interrupted at step 5 of epoch 2 (after its row of step 3), with a
	// row past the checkpoint planted as a crash could leave it, then
	// resumed.
	if rc := run(t, cfg, c, false, &probe{cancelAt: [2]int{2, 5}}); !rc.Interrupted {
		t.Fatal("the run was not interrupted")
	}
	part, err := report.ReadStepsCSV(filepath.Join(c, StepsFile))
	if err != nil || len(part) != 4 {
		t.Fatalf("interrupted run: steps.csv %+v, %v; want the 4 rows up to epoch 2 step 3", part, err)
	}
	part = append(part, report.StepMetrics{Epoch: 2, Step: 6, Images: 1, Loss: 99, LR: 1})
	if err := report.WriteStepsCSV(filepath.Join(c, StepsFile), part); err != nil {
		t.Fatal(err)
	}
	run(t, cfg, c, true, nil)
	ba, _ := os.ReadFile(filepath.Join(a, StepsFile))
	bc, _ := os.ReadFile(filepath.Join(c, StepsFile))
	if string(ba) != string(bc) {
		t.Errorf("resumed run's steps.csv differs from the uninterrupted run's:\n%s\nvs\n%s", bc, ba)
	}

	cfg.LogEvery = 0
	d := filepath.Join(tmp, "d")
	cfg.Epochs = 1
	run(t, cfg, d, false, nil)
	if _, err := os.Stat(filepath.Join(d, StepsFile)); !os.IsNotExist(err) {
		t.Errorf("LogEvery 0 wrote %s (%v)", StepsFile, err)
	}
}
