package modelfile

import (
	"math"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/glcnn/glcnn/safetensors"
)

// sampleMeta is the metadata of a small network.
func sampleMeta() Meta {
	return Meta{Arch: "flatten,fc:10", Input: []int{1, 28, 28}, Classes: []string{"a", "b"}, Mean: 0.286, Std: 0.353,
		Modules: `[{"type":"Flatten"}]`, GlcnnVersion: "(devel)", GlcnnGo: "go1.26", GlcnnRevision: "abc+dirty"}
}

// sampleModel is the state dict of flatten,fc:10.
func sampleModel() []safetensors.Tensor {
	w := make([]float32, 10*784)
	for i := range w {
		w[i] = float32(i%7) - 3
	}
	return []safetensors.Tensor{{Name: "1.weight", DType: safetensors.F32, Shape: []int{10, 784}, F32: w},
		{Name: "1.bias", DType: safetensors.F32, Shape: []int{10}, F32: make([]float32, 10)}}
}

func TestModelRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "model.safetensors")
	if err := Write(path, sampleMeta(), sampleModel()); err != nil {
		t.Fatal(err)
	}
	meta, ts, err := Read(path)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(meta, sampleMeta()) {
		t.Errorf("metadata: got %+v, want %+v", meta, sampleMeta())
	}
	if !reflect.DeepEqual(ts, sampleModel()) {
		t.Error("the tensors read are not those written")
	}
	// The file's metadata as PyTorch and the scripts see it.
	_, raw, err := safetensors.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"format": "glcnn", "arch": "flatten,fc:10", "input": "1,28,28", "classes": "a|b",
		"mean": "0.286", "std": "0.353", "modules": `[{"type":"Flatten"}]`,
		"glcnn_version": "(devel)", "glcnn_go": "go1.26", "glcnn_revision": "abc+dirty"}
	if !reflect.DeepEqual(raw, want) {
		t.Errorf("raw metadata:\n got %v\nwant %v", raw, want)
	}
}

// TestWriteRefusesNonFinite: a model with a value that is not finite is
// not written.
func TestWriteRefusesNonFinite(t *testing.T) {
	path := filepath.Join(t.TempDir(), "model.safetensors")
	ts := sampleModel()
	ts[1].F32[3] = float32(math.Inf(-1))
	if err := Write(path, sampleMeta(), ts); err == nil || !strings.Contains(err.Error(), "1 of the 10 values of 1.bias are not finite") {
		t.Errorf("Write = %v, want a refusal naming 1.bias", err)
	}
	if _, _, err := safetensors.ReadFile(path); err == nil {
		t.Error("a refused model was written")
	}
}

// TestReadRefusesGarbage: a model file whose normalisation is missing or
// not finite, whose input is not a shape, that is not glcnn's, or whose
// weights are not finite, is refused rather than read and run into NaN
// logits, which predict as class 0 for every image.
func TestReadRefusesGarbage(t *testing.T) {
	tensors := func(bad bool) []safetensors.Tensor {
		ts := sampleModel()
		if bad {
			ts[0].F32[17] = float32(math.NaN())
		}
		return ts
	}
	meta := func(key, value string) map[string]string {
		m := sampleMeta().encode()
		if value == "-" {
			delete(m, key)
		} else if key != "" {
			m[key] = value
		}
		return m
	}
	for _, c := range []struct {
		name, key, value string
		badWeight        bool
		want             string // "" = accepted
	}{
		{"good", "", "", false, ""},
		{"mean NaN", "mean", "NaN", false, "mean"},
		{"mean missing", "mean", "-", false, "mean"},
		{"mean Inf", "mean", "+Inf", false, "mean"},
		{"std missing", "std", "-", false, "std"},
		{"std zero", "std", "0", false, "std"},
		{"std NaN", "std", "NaN", false, "std"},
		{"input empty", "input", "", false, "input"},
		{"input zero", "input", "1,0,28", false, "input"},
		{"not glcnn", "format", "-", false, "not a glcnn model"},
		{"weight NaN", "", "", true, "not finite"},
	} {
		path := filepath.Join(t.TempDir(), "model.safetensors")
		if err := safetensors.WriteFile(path, tensors(c.badWeight), meta(c.key, c.value)); err != nil {
			t.Fatal(err)
		}
		_, _, err := Read(path)
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%s: %v", c.name, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), path)):
			t.Errorf("%s: err = %v, want one naming %s and mentioning %q", c.name, err, path, c.want)
		}
	}
}
