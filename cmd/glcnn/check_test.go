package main

import (
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/glcnn/glcnn/check"
	"github.com/glcnn/glcnn/layers"
)

// captureBoth runs the CLI in-process and returns its exit status, stdout
// and stderr.
func captureBoth(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	read := func(f **os.File) func() string {
		r, w, _ := os.Pipe()
		old := *f
		*f = w
		done := make(chan string)
		go func() { b, _ := io.ReadAll(r); done <- string(b) }()
		return func() string { w.Close(); *f = old; return <-done }
	}
	endOut, endErr := read(&os.Stdout), read(&os.Stderr)
	code = run(args)
	return code, endOut(), endErr()
}

// brokenForward makes a layer's forward output wrong in one element.
type brokenForward struct{ layers.Layer }

func (b brokenForward) Forward(x *layers.Tensor, m layers.Mode) *layers.Tensor {
	y := b.Layer.Forward(x, m)
	v := y.Read()
	y.Buf.UploadAt(3, []float32{v[3] + 1})
	return y
}

// injectBroken makes the self-check build broken layers of the kinds and
// variants broken picks, until the test ends.
func injectBroken(t *testing.T, broken func(kind, variant string) bool) {
	checkLayer = func(la check.LayerAt, variant string) layers.Layer {
		l := check.NewLayer(la, variant)
		if l != nil && broken(la.Item.Kind, variant) {
			return brokenForward{l}
		}
		return l
	}
	t.Cleanup(func() { checkLayer = nil })
}

// tinyApparels writes an Apparels training set of n 28x28 images.
func tinyApparels(t *testing.T, n int) string {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "train"), 0o755)
	csv := "id,label\n"
	for i := 1; i <= n; i++ {
		img := image.NewGray(image.Rect(0, 0, 28, 28))
		for p := range img.Pix {
			img.Pix[p] = uint8(p*7 + i*31)
		}
		img.Set(i%28, i%28, color.Gray{255})
		f, err := os.Create(filepath.Join(dir, "train", fmt.Sprintf("%d.png", i)))
		if err != nil {
			t.Fatal(err)
		}
		png.Encode(f, img)
		f.Close()
		csv += fmt.Sprintf("%d,%d\n", i, i%10)
	}
	os.WriteFile(filepath.Join(dir, "train.csv"), []byte(csv), 0o644)
	return dir
}

const tinyArch = "conv:4:3,bn,relu,maxpool:2,flatten,fc:10"

func TestCheckCommand(t *testing.T) {
	t.Setenv("GLCNN_CACHE_DIR", t.TempDir())
	code, stdout, stderr := captureBoth(t, "check", "--arch", tinyArch)
	if code != 0 {
		t.Fatalf("status %d: %s", code, stderr)
	}
	for _, want := range []string{"renderer:", "conv:4:3", "conv2d_", "adam", "all pass"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, stdout)
		}
	}
	code, stdout, _ = captureBoth(t, "check", "--arch", tinyArch, "--json")
	if code != 0 || !strings.Contains(stdout, `"rows"`) || !strings.Contains(stdout, `"worst"`) {
		t.Errorf("--json: status %d:\n%.300s", code, stdout)
	}
	for _, c := range [][]string{{"check", "--preset", "nope"}, {"check", "--arch", "conv:4:3,fc:7"}, {"check", "--model", "x", "--arch", tinyArch},
		{"train", "--check", "sometimes"}, {"eval", "--model", "m", "--check", "sometimes"}} {
		if code, _, stderr := captureBoth(t, c...); code != 2 {
			t.Errorf("glcnn %s: status %d, want 2 (%s)", strings.Join(c, " "), code, stderr)
		}
	}
}

// TestCheckRefuses: a kernel broken in every variant makes glcnn check and
// glcnn train exit with status 1, say what to report, and train nothing.
func TestCheckRefuses(t *testing.T) {
	t.Setenv("GLCNN_CACHE_DIR", t.TempDir())
	injectBroken(t, func(kind, _ string) bool { return kind == "conv" })
	code, stdout, stderr := captureBoth(t, "check", "--arch", tinyArch)
	if code != 1 || !strings.Contains(stdout, "FAIL") {
		t.Errorf("check: status %d, want 1; stdout:\n%s", code, stdout)
	}
	for _, want := range []string{"self-check failed", "conv2d_fwd", "(vec)", "(direct)", "worst [3]", "glcnn check --json", check.IssueTracker} {
		if !strings.Contains(stderr, want) {
			t.Errorf("check: stderr lacks %q:\n%s", want, stderr)
		}
	}
	out := filepath.Join(t.TempDir(), "run")
	code, _, stderr = captureBoth(t, "train", "--data", tinyApparels(t, 20), "--arch", tinyArch, "--epochs", "1", "--val", "0", "--out", out)
	if code != 1 || !strings.Contains(stderr, "self-check failed") {
		t.Errorf("train: status %d, want 1; stderr:\n%s", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(out, "model.safetensors")); err == nil {
		t.Error("train wrote a model on a refused device")
	}
}

// TestTrainFallsBack: with the vec conv broken, train says which kernel
// failed and trains with the blocked one; --check off skips the check.
// Without autotuning, so that the check falls back from the default
// (package autotune's tests cover the fallback along its ranking).
func TestTrainFallsBack(t *testing.T) {
	t.Setenv("GLCNN_CACHE_DIR", t.TempDir())
	injectBroken(t, func(_, v string) bool { return v == layers.VariantVec })
	data := tinyApparels(t, 20)
	args := []string{"train", "--data", data, "--arch", tinyArch, "--epochs", "1", "--val", "0", "--autotune", "off"}
	code, _, stderr := captureBoth(t, append(args, "--out", filepath.Join(t.TempDir(), "a"))...)
	if code != 0 {
		t.Fatalf("status %d: %s", code, stderr)
	}
	for _, want := range []string{"layer 0 conv:4:3", "conv2d_fwd", "(vec)", "worst [3]", "using the blocked variant"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	// Cached: the note again (the fallback is still in use), no new check.
	code, _, stderr = captureBoth(t, append(args, "--out", filepath.Join(t.TempDir(), "b"))...)
	if code != 0 || !strings.Contains(stderr, "using the blocked variant") || strings.Contains(stderr, "compared with the float64 reference") {
		t.Errorf("second run: status %d, stderr:\n%s", code, stderr)
	}
	code, _, stderr = captureBoth(t, append(args, "--check", "off", "--out", filepath.Join(t.TempDir(), "c"))...)
	if code != 0 || strings.Contains(stderr, "self-check") {
		t.Errorf("--check off: status %d, stderr:\n%s", code, stderr)
	}
}
