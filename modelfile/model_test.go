package trainer

import (
	"errors"
	"math"
	"path/filepath"
	"strings"
	"testing"
)

// TestReadModelRefusesGarbage: a model file whose normalisation is missing
// or not finite, or whose weights are not finite, is refused as a bad
// model (*ModelError: exit status 2 in the CLI) rather than read and run
// into NaN logits, which predict as class 0 for every image.
func TestReadModelRefusesGarbage(t *testing.T) {
	w := make([]float32, 10*784)
	b := make([]float32, 10)
	tensors := func(bad bool) []STensor {
		ww := append([]float32(nil), w...)
		if bad {
			ww[17] = float32(math.NaN())
		}
		return []STensor{{Name: "1.weight", DType: "F32", Shape: []int{10, 784}, F32: ww},
			{Name: "1.bias", DType: "F32", Shape: []int{10}, F32: b}}
	}
	meta := func(mean, std string) map[string]string {
		m := map[string]string{"format": "glcnn", "arch": "flatten,fc:10", "input": "1,28,28"}
		if mean != "-" {
			m["mean"] = mean
		}
		if std != "-" {
			m["std"] = std
		}
		return m
	}
	for _, c := range []struct {
		name, mean, std string
		badWeight       bool
		want            string // "" = accepted
	}{
		{"good", "0.286", "0.353", false, ""},
		{"mean NaN", "NaN", "0.353", false, "mean"},
		{"mean missing", "-", "0.353", false, "mean"},
		{"mean Inf", "+Inf", "0.353", false, "mean"},
		{"std missing", "0.286", "-", false, "std"},
		{"std zero", "0.286", "0", false, "std"},
		{"std NaN", "0.286", "NaN", false, "std"},
		{"weight NaN", "0.286", "0.353", true, "not finite"},
	} {
		path := filepath.Join(t.TempDir(), "model.safetensors")
		if err := WriteSafetensors(path, tensors(c.badWeight), meta(c.mean, c.std)); err != nil {
			t.Fatal(err)
		}
		_, err := ReadModel(path)
		var me *ModelError
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%s: %v", c.name, err)
		case c.want != "" && (!errors.As(err, &me) || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%s: err = %v, want a *ModelError mentioning %q", c.name, err, c.want)
		}
	}
}
