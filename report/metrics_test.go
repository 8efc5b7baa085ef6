package report

import (
	"bytes"
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func sampleMetrics() []EpochMetrics {
	nan := math.NaN()
	tenth, fifth := 0.1, 0.2 // variables: a constant 0.1+0.2 would fold to exactly 0.3
	return []EpochMetrics{
		{Epoch: 1, TrainLoss: 2.302585092994046, ValLoss: 1.5, TrainAcc: 0.1, ValAcc: 0.45, LR: 0.07, Seconds: 12.25, ImgPerSec: 4408.163265306122},
		{Epoch: 2, TrainLoss: tenth + fifth, ValLoss: nan, TrainAcc: 1.0 / 3, ValAcc: nan, LR: 1e-7, Seconds: 0, ImgPerSec: 1e21},
	}
}

func TestMetricsCSVRoundTrip(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "metrics.csv")
	rows := sampleMetrics()
	if err := WriteMetricsCSV(path, rows); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	want := "epoch,train_loss,val_loss,train_acc,val_acc,lr,seconds,img_per_s\n" +
		"1,2.302585092994046,1.5,0.1,0.45,0.07,12.25,4408.163265306122\n" +
		"2,0.30000000000000004,,0.3333333333333333,,1e-07,0,1e+21\n"
	if string(raw) != want {
		t.Errorf("metrics.csv:\n%s\nwant:\n%s", raw, want)
	}
	got, err := ReadMetricsCSV(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(rows) {
		t.Fatalf("read %d rows, want %d", len(got), len(rows))
	}
	for i := range rows {
		g, w := got[i], rows[i]
		gv := []float64{g.TrainLoss, g.ValLoss, g.TrainAcc, g.ValAcc, g.LR, g.Seconds, g.ImgPerSec}
		wv := []float64{w.TrainLoss, w.ValLoss, w.TrainAcc, w.ValAcc, w.LR, w.Seconds, w.ImgPerSec}
		for j := range wv {
			if !(gv[j] == wv[j] || math.IsNaN(gv[j]) && math.IsNaN(wv[j])) {
				t.Errorf("row %d %s: got %v, want %v", i, metricsHeader[j+1], gv[j], wv[j])
			}
		}
		if g.Epoch != w.Epoch {
			t.Errorf("row %d: epoch %d, want %d", i, g.Epoch, w.Epoch)
		}
	}

	// Same rows, same bytes: what makes two identical runs comparable with cmp.
	again := filepath.Join(dir, "again.csv")
	if err := WriteMetricsCSV(again, sampleMetrics()); err != nil {
		t.Fatal(err)
	}
	if raw2, _ := os.ReadFile(again); !bytes.Equal(raw, raw2) {
		t.Error("identical rows gave different files")
	}
}

func TestMetricsCSVEmpty(t *testing.T) {
	path := filepath.Join(t.TempDir(), "metrics.csv")
	if err := WriteMetricsCSV(path, nil); err != nil {
		t.Fatal(err)
	}
	rows, err := ReadMetricsCSV(path)
	if err != nil || len(rows) != 0 {
		t.Errorf("got %v, %v; want no rows and no error", rows, err)
	}
}

func TestReadMetricsCSVRefusesBadInput(t *testing.T) {
	dir := t.TempDir()
	const header = "epoch,train_loss,val_loss,train_acc,val_acc,lr,seconds,img_per_s\n"
	tests := []struct{ name, file, want string }{
		{"empty", "", "header"},
		{"wrong header", "epoch,loss\n", "header"},
		{"short row", header + "1,2,3\n", "line 2"},
		{"bad epoch", header + "x,1,1,1,1,1,1,1\n", "line 2: epoch"},
		{"bad float", header + "1,1,1,1,1,1,1,1\n2,1,zz,1,1,1,1,1\n", "line 3: val_loss"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "_")+".csv")
			if err := os.WriteFile(path, []byte(tc.file), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := ReadMetricsCSV(path)
			if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got error %v, want one naming %s and containing %q", err, path, tc.want)
			}
		})
	}
}

func TestWriteAtomic(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out.txt")
	if err := os.WriteFile(path, []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}

	// A failing writer, after some bytes: the old file stays, no temp is left.
	boom := errors.New("boom")
	err := writeAtomic(path, func(w io.Writer) error {
		io.WriteString(w, "partial")
		return boom
	})
	if !errors.Is(err, boom) || !strings.Contains(err.Error(), path) {
		t.Errorf("got %v, want boom wrapped with the path", err)
	}
	if b, _ := os.ReadFile(path); string(b) != "old" {
		t.Errorf("a failed write left %q at the path", b)
	}

	// While the writer runs, the path still holds the old file.
	err = writeAtomic(path, func(w io.Writer) error {
		io.WriteString(w, "new")
		if b, _ := os.ReadFile(path); string(b) != "old" {
			t.Errorf("mid-write the path holds %q", b)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(path); string(b) != "new" {
		t.Errorf("after the write the path holds %q", b)
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o644 {
		t.Errorf("mode %v, want 0644", st.Mode().Perm())
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("temporary files left behind: %v", entries)
	}

	// A directory that does not exist is an error naming the path.
	missing := filepath.Join(dir, "no", "such", "dir", "x")
	if err := writeAtomic(missing, func(io.Writer) error { return nil }); err == nil || !strings.Contains(err.Error(), missing) {
		t.Errorf("got %v, want an error naming %s", err, missing)
	}
}
