package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/glcnn/glcnn/layers"
	"github.com/glcnn/glcnn/trainer"
)

// TestAutotuneFlag: train autotunes by default, says what it timed the
// first time, records the variants in config.json and --json, and on the
// second run takes the cached choice silently and writes the same model
// bit for bit; --autotune off runs each op's default; a bad mode is a
// usage error before any work.
func TestAutotuneFlag(t *testing.T) {
	t.Setenv("GLCNN_CACHE_DIR", t.TempDir())
	data := tinyApparels(t, 20)
	args := []string{"train", "--data", data, "--arch", tinyArch, "--epochs", "1", "--val", "0", "--json"}
	run := func(name string, extra ...string) (stderr string, variants map[string]string, cfg runFile) {
		t.Helper()
		out := filepath.Join(t.TempDir(), name)
		code, stdout, stderr := captureBoth(t, append(append(args, "--out", out), extra...)...)
		if code != 0 {
			t.Fatalf("%s: status %d: %s", name, code, stderr)
		}
		var sum struct {
			Variants map[string]string `json:"variants"`
		}
		if err := json.Unmarshal([]byte(stdout), &sum); err != nil {
			t.Fatalf("%s: --json: %v", name, err)
		}
		raw, _ := os.ReadFile(filepath.Join(out, trainer.ConfigFile))
		if err := json.Unmarshal(raw, &cfg); err != nil {
			t.Fatalf("%s: config.json: %v", name, err)
		}
		cfg.dir = out
		return stderr, sum.Variants, cfg
	}
	stderr, v1, cfg1 := run("first")
	for _, want := range []string{"autotune: layer 0 conv:4:3 (1x28x28, batch 128, forward+backward)", "autotune: layer 5 fc:10", "cached for this device"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("first run: stderr lacks %q:\n%s", want, stderr)
		}
	}
	if cfg1.Autotune != "on" || v1["0"] == "" || v1["5"] == "" || len(v1) != 2 || !sameMap(cfg1.Run.Variants, v1) {
		t.Errorf("first run: autotune %q, variants %v in --json, %v in config.json", cfg1.Autotune, v1, cfg1.Run.Variants)
	}
	stderr, v2, cfg2 := run("second")
	if strings.Contains(stderr, "autotune:") || !sameMap(v2, v1) {
		t.Errorf("second run: variants %v (first %v), stderr:\n%s", v2, v1, stderr)
	}
	if !sameFile(t, filepath.Join(cfg1.dir, trainer.ModelFile), filepath.Join(cfg2.dir, trainer.ModelFile)) {
		t.Error("the second run, with the cached choice, wrote another model")
	}
	stderr, v3, cfg3 := run("off", "--autotune=off")
	want := map[string]string{"0": string(layers.DefaultConvVariant), "5": string(layers.DefaultVariant)}
	if strings.Contains(stderr, "autotune:") || cfg3.Autotune != "off" || !sameMap(v3, want) || !sameMap(cfg3.Run.Variants, want) {
		t.Errorf("--autotune=off: autotune %q, variants %v, %v, want the defaults %v; stderr:\n%s", cfg3.Autotune, v3, cfg3.Run.Variants, want, stderr)
	}
	for _, c := range [][]string{{"train", "--autotune", "sometimes"}, {"train", "--autotune", ""} /* a zero Config.Autotune is on, the flag refuses it */, {"eval", "--model", "m", "--autotune", "auto"},
		{"predict", "--model", "m", "--autotune", "yes", "a.png"}} {
		code, _, stderr := captureBoth(t, c...)
		if code != 2 || !strings.Contains(stderr, "--autotune") {
			t.Errorf("glcnn %s: status %d, want 2 naming --autotune (%s)", strings.Join(c, " "), code, stderr)
		}
	}
}

// runFile is what TestAutotuneFlag reads of config.json.
type runFile struct {
	Autotune string `json:"autotune"`
	Run      struct {
		Variants map[string]string `json:"variants"`
	} `json:"run"`
	dir string
}

func sameMap(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func sameFile(t *testing.T, a, b string) bool {
	x, err1 := os.ReadFile(a)
	y, err2 := os.ReadFile(b)
	if err1 != nil || err2 != nil {
		t.Fatal(err1, err2)
	}
	return bytes.Equal(x, y)
}
