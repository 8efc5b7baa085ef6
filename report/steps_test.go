package report

import (
	"errors"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// TestStepsCSVRoundTrip: steps.csv has its header, one line a row, floats
// exact, NaN empty, and reads back to the same rows.
func TestStepsCSVRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "steps.csv")
	rows := []StepMetrics{
		{Epoch: 1, Step: 10, Images: 1280, Loss: 2.302585092994046, LR: 0.004},
		{Epoch: 1, Step: 20, Images: 2560, Loss: 1.0 / 3, LR: 1e-7},
		{Epoch: 2, Step: 10, Images: 1 << 40, Loss: math.NaN(), LR: 0.0028},
	}
	if err := WriteStepsCSV(path, rows); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	want := "epoch,step,images,loss,lr\n" +
		"1,10,1280,2.302585092994046,0.004\n" +
		"1,20,2560,0.3333333333333333,1e-07\n" +
		"2,10,1099511627776,,0.0028\n"
	if string(raw) != want {
		t.Errorf("steps.csv:\n%s\nwant:\n%s", raw, want)
	}
	back, err := ReadStepsCSV(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(back) != 3 || !math.IsNaN(back[2].Loss) {
		t.Fatalf("read back %+v", back)
	}
	back[2].Loss, rows[2].Loss = 0, 0
	if !reflect.DeepEqual(back, rows) {
		t.Errorf("read back %+v, want %+v", back, rows)
	}
	if _, err := ReadStepsCSV(filepath.Join(t.TempDir(), "missing.csv")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: %v, want fs.ErrNotExist", err)
	}
	for _, bad := range []string{"epoch,step,loss\n", "epoch,step,images,loss,lr\n1,x,3,0.5,0.1\n", "epoch,step,images,loss,lr\n1,2,3,0.5\n"} {
		p := filepath.Join(t.TempDir(), "steps.csv")
		if err := os.WriteFile(p, []byte(bad), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := ReadStepsCSV(p); err == nil || !strings.Contains(err.Error(), p) {
			t.Errorf("%q: error %v, want one naming the file", bad, err)
		}
	}
}
