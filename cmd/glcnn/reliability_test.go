package main

import (
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/glcnn/glcnn/safetensors"
	"github.com/glcnn/glcnn/trainer"
)

// apparels writes an Apparels folder of n side x side training images and,
// with test, as many test images.
func apparels(t *testing.T, n, side int, test bool) string {
	t.Helper()
	dir := t.TempDir()
	write := func(set string, labelled bool) {
		os.MkdirAll(filepath.Join(dir, set), 0o755)
		csv := "id\n"
		if labelled {
			csv = "id,label\n"
		}
		for i := 1; i <= n; i++ {
			img := image.NewGray(image.Rect(0, 0, side, side))
			for p := range img.Pix {
				img.Pix[p] = uint8(p*7 + i*31)
			}
			f, err := os.Create(filepath.Join(dir, set, fmt.Sprintf("%d.png", i)))
			if err != nil {
				t.Fatal(err)
			}
			png.Encode(f, img)
			f.Close()
			if labelled {
				csv += fmt.Sprintf("%d,%d\n", i, i%10)
			} else {
				csv += fmt.Sprintf("%d\n", i)
			}
		}
		os.WriteFile(filepath.Join(dir, set+".csv"), []byte(csv), 0o644)
	}
	write("train", true)
	if test {
		write("test", false)
	}
	return dir
}

// quick are the flags of a quick CLI training run on a tiny data set.
func quick(data, out string, more ...string) []string {
	return append([]string{"train", "--data", data, "--arch", tinyArch, "--epochs", "1", "--val", "0", "--check", "off", "--out", out}, more...)
}

// trainTiny trains a model on 28x28 images through the CLI and returns
// its run folder.
func trainTiny(t *testing.T) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "run")
	if code, _, stderr := captureBoth(t, quick(apparels(t, 20, 28, false), out)...); code != 0 {
		t.Fatalf("train: status %d: %s", code, stderr)
	}
	return out
}

// TestOptimizerFlag: every spelling of every --optimizer trains with that
// optimizer: config.json keeps the canonical name, and the checkpoint holds
// the optimizer state of the optimizer built (none for SGD without
// momentum, one tensor per parameter with momentum, two for Adam and
// AdamW) and its name.
func TestOptimizerFlag(t *testing.T) {
	data := apparels(t, 20, 28, false)
	const params = 6 // conv weight, bias; bn weight, bias; fc weight, bias
	for _, c := range []struct {
		flags  []string
		want   string
		states int
	}{
		{[]string{"--optimizer", "sgd"}, "sgd", 0},
		{[]string{"--optimizer", "SGD"}, "sgd", 0},
		{[]string{"--optimizer", "Sgd", "--momentum", "0.9"}, "sgd", params},
		{[]string{"--optimizer", "adam"}, "adam", 2 * params},
		{[]string{"--optimizer", "ADAM"}, "adam", 2 * params},
		{[]string{"--optimizer", "adamw"}, "adamw", 2 * params},
		{[]string{"--optimizer", "AdamW", "--weight-decay", "0.01"}, "adamw", 2 * params},
	} {
		out := filepath.Join(t.TempDir(), "run")
		code, _, stderr := captureBoth(t, quick(data, out, c.flags...)...)
		if code != 0 {
			t.Errorf("%v: status %d: %s", c.flags, code, stderr)
			continue
		}
		var cfg trainer.Config
		raw, _ := os.ReadFile(filepath.Join(out, trainer.ConfigFile))
		if err := json.Unmarshal(raw, &cfg); err != nil || cfg.Optimizer != c.want {
			t.Errorf("%v: config.json optimizer %q (%v), want %q", c.flags, cfg.Optimizer, err, c.want)
		}
		ts, meta, err := safetensors.ReadFile(filepath.Join(out, trainer.CheckpointFile))
		if err != nil {
			t.Fatal(err)
		}
		states := 0
		for _, x := range ts {
			if strings.HasPrefix(x.Name, "optimizer.") {
				states++
			}
		}
		if states != c.states || meta["optimizer"] != c.want {
			t.Errorf("%v: the checkpoint holds %d optimizer tensors of optimizer %q, want %d of %q", c.flags, states, meta["optimizer"], c.states, c.want)
		}
	}
	if code, _, stderr := captureBoth(t, quick(data, filepath.Join(t.TempDir(), "x"), "--optimizer", "rmsprop")...); code != 2 || !strings.Contains(stderr, "--optimizer") {
		t.Errorf("--optimizer rmsprop: status %d, want 2: %s", code, stderr)
	}
}

// TestInputShape: a model for 28x28 images refuses a data set of 32x32 or
// 20x20 images in predict and eval with status 2 naming both shapes, and
// writes nothing.
func TestInputShape(t *testing.T) {
	model := filepath.Join(trainTiny(t), trainer.ModelFile)
	for _, side := range []int{32, 20} {
		data := apparels(t, 12, side, true)
		sub := filepath.Join(t.TempDir(), "submission.csv")
		shape := fmt.Sprintf("1x%dx%d", side, side)
		for _, args := range [][]string{
			{"predict", "--model", model, "--data", data, "--out", sub, "--check", "off"},
			{"eval", "--model", model, "--data", data, "--split", "train", "--check", "off"},
		} {
			code, _, stderr := captureBoth(t, args...)
			if code != 2 || !strings.Contains(stderr, "1x28x28") || !strings.Contains(stderr, shape) {
				t.Errorf("%s on %dx%d images: status %d, want 2 naming 1x28x28 and %s: %s", args[0], side, side, code, shape, stderr)
			}
		}
		if _, err := os.Stat(sub); err == nil {
			t.Errorf("predict on %dx%d images wrote %s", side, side, sub)
		}
	}
	// The right size still works.
	sub := filepath.Join(t.TempDir(), "submission.csv")
	if code, _, stderr := captureBoth(t, "predict", "--model", model, "--data", apparels(t, 12, 28, true), "--out", sub, "--check", "off"); code != 0 {
		t.Errorf("predict on 28x28 images: status %d: %s", code, stderr)
	}
}

// TestOutFolder: a run folder that holds files is not reused without
// --resume unless --force is given, and --force removes the old run's
// outputs before training; --out naming a file is refused before the data
// is read.
func TestOutFolder(t *testing.T) {
	data := apparels(t, 20, 28, false)
	out := filepath.Join(t.TempDir(), "run")
	os.MkdirAll(out, 0o755)
	stale := map[string]string{trainer.SubmissionFile: "id,label\n1,3\n", trainer.ReportFile: "old report\n", "confusion.png": "old"}
	for f, s := range stale {
		os.WriteFile(filepath.Join(out, f), []byte(s), 0o644)
	}
	keep := filepath.Join(out, "notes.txt")
	os.WriteFile(keep, []byte("mine"), 0o644)

	code, _, stderr := captureBoth(t, quick(data, out)...)
	if code != 2 || !strings.Contains(stderr, "--force") || !strings.Contains(stderr, "--resume") {
		t.Errorf("train into a used folder: status %d, want 2 suggesting --resume or --force: %s", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(out, trainer.ConfigFile)); err == nil {
		t.Error("a refused run wrote config.json")
	}
	if code, _, stderr := captureBoth(t, quick(data, out, "--force", "--resume")...); code != 2 {
		t.Errorf("--force --resume: status %d, want 2: %s", code, stderr)
	}
	if code, _, stderr := captureBoth(t, quick(data, out, "--force")...); code != 0 {
		t.Fatalf("--force: status %d: %s", code, stderr)
	}
	// The data has no test set and no validation split: the new run writes
	// neither a submission nor a confusion matrix, so the old ones must be gone.
	for _, f := range []string{trainer.SubmissionFile, "confusion.png"} {
		if _, err := os.Stat(filepath.Join(out, f)); err == nil {
			t.Errorf("--force left the old run's %s", f)
		}
	}
	if rep, _ := os.ReadFile(filepath.Join(out, trainer.ReportFile)); strings.Contains(string(rep), "old report") {
		t.Error("--force left the old report")
	}
	if _, err := os.Stat(keep); err != nil {
		t.Errorf("--force removed a file glcnn did not write: %v", err)
	}

	file := filepath.Join(t.TempDir(), "afile")
	os.WriteFile(file, []byte("x"), 0o644)
	for _, args := range [][]string{
		{"train", "--data", filepath.Join(t.TempDir(), "missing"), "--out", file},
		{"train", "--data", filepath.Join(t.TempDir(), "missing"), "--out", file, "--force"},
	} {
		code, _, stderr := captureBoth(t, args...)
		if code != 2 || !strings.Contains(stderr, file) || strings.Contains(stderr, "missing") {
			t.Errorf("%v: status %d, want 2 about --out before reading the data: %s", args, code, stderr)
		}
	}
	if b, _ := os.ReadFile(file); string(b) != "x" {
		t.Error("--out naming a file changed it")
	}
}

// TestFlagsCheckedFirst: every numeric flag refuses NaN, infinities and
// out-of-range values with status 2 before the data is read (the data
// folder given does not exist) and before anything is written.
func TestFlagsCheckedFirst(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "missing")
	out := filepath.Join(t.TempDir(), "run")
	cases := map[string][]string{
		"lr":              {"NaN", "Inf", "-Inf", "0", "-1"},
		"momentum":        {"NaN", "+Inf", "-0.5", "1"},
		"weight-decay":    {"NaN", "Inf", "-1"},
		"gamma":           {"NaN", "Inf", "-1", "0"},
		"label-smoothing": {"NaN", "Inf", "-0.1", "1"},
		"val":             {"NaN", "-Inf", "-0.1", "1"},
		"epochs":          {"0", "-1"},
		"batch":           {"-1"},
		"chunk":           {"-1"},
		"limit":           {"-3"},
		"shift":           {"-1", "9"},
		"log-every":       {"-1"},
		"step-every":      {"-1", "0"},
		"gpu":             {"-1"},
	}
	for flag, values := range cases {
		for _, v := range values {
			args := []string{"train", "--data", missing, "--out", out, "--" + flag, v}
			if flag == "step-every" {
				args = append(args, "--schedule", "step")
			}
			code, _, stderr := captureBoth(t, args...)
			if code != 2 || !strings.Contains(stderr, "--"+flag) || strings.Contains(stderr, "panic") || strings.Contains(stderr, "missing") {
				t.Errorf("--%s %s: status %d, want 2 naming the flag before reading the data: %s", flag, v, code, stderr)
			}
		}
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("a refused run created its output folder")
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"bench", "--runs", "-1"}, "--runs"},
		{[]string{"bench", "--batches", "0"}, "--batches"},
		{[]string{"eval", "--model", "m", "--gpu", "-2"}, "--gpu"},
		{[]string{"train", "--data", missing, "--optimizer", "sgd", "--nesterov", "--momentum", "0"}, "--nesterov"},
	} {
		if code, _, stderr := captureBoth(t, c.args...); code != 2 || !strings.Contains(stderr, c.want) {
			t.Errorf("%v: status %d, want 2 naming %s: %s", c.args, code, c.want, stderr)
		}
	}
}

// TestSplitTooSmall: a limit and validation fraction that leave a training
// split too small for a batch, or an empty validation split, are refused
// with status 2, and nothing is written.
func TestSplitTooSmall(t *testing.T) {
	data := apparels(t, 20, 28, false)
	for _, flags := range [][]string{{"--limit", "2", "--val", "0.9"}, {"--limit", "1"}, {"--limit", "10", "--val", "0.01"}} {
		out := filepath.Join(t.TempDir(), "run")
		args := append(quick(data, out), flags...)
		code, _, stderr := captureBoth(t, args...)
		if code != 2 || !strings.Contains(stderr, "split") {
			t.Errorf("%v: status %d, want 2 about the split: %s", flags, code, stderr)
		}
		if _, err := os.Stat(out); err == nil {
			t.Errorf("%v: a refused run created its output folder", flags)
		}
	}
}

// TestNegativeLimits: negative counts are refused, not taken as "all".
func TestNegativeLimits(t *testing.T) {
	data := apparels(t, 20, 28, false)
	out := filepath.Join(t.TempDir(), "export")
	for _, args := range [][]string{
		{"train", "--data", data, "--limit", "-3", "--out", filepath.Join(t.TempDir(), "a")},
		{"train", "--data", data, "--chunk", "-1", "--out", filepath.Join(t.TempDir(), "b")},
		{"data", "export", "--data", data, "--limit", "-5", "--out", out},
	} {
		if code, _, stderr := captureBoth(t, args...); code != 2 || !strings.Contains(stderr, "--") {
			t.Errorf("%v: status %d, want 2: %s", args, code, stderr)
		}
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("data export --limit -5 wrote its folder")
	}
}
