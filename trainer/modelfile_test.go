package trainer

import (
	"errors"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/glcnn/glcnn/safetensors"
)

// TestReadModelErrors: every file ReadModel cannot use is a *ModelError
// (exit status 2 in the CLI) naming it: one package modelfile refuses (a
// normalisation or a weight that is not finite: modelfile's tests have
// the full list), and one whose arch does not parse or does not fit its
// input, which only trainer knows.
func TestReadModelErrors(t *testing.T) {
	tensors := func(bad bool) []safetensors.Tensor {
		w := make([]float32, 10*784)
		if bad {
			w[17] = float32(math.NaN())
		}
		return []safetensors.Tensor{{Name: "1.weight", DType: safetensors.F32, Shape: []int{10, 784}, F32: w},
			{Name: "1.bias", DType: safetensors.F32, Shape: []int{10}, F32: make([]float32, 10)}}
	}
	for _, c := range []struct {
		name, arch, input, mean string
		badWeight               bool
		want                    string // "" = accepted
	}{
		{"good", "flatten,fc:10", "1,28,28", "0.286", false, ""},
		{"mean NaN", "flatten,fc:10", "1,28,28", "NaN", false, "mean"},
		{"weight NaN", "flatten,fc:10", "1,28,28", "0.286", true, "not finite"},
		{"arch", "conv:0:3", "1,28,28", "0.286", false, `metadata arch "conv:0:3"`},
		{"arch on input", "conv:4:5:1:0,conv:4:5:1:0", "1,4,4", "0.286", false, `metadata arch "conv:4:5:1:0,conv:4:5:1:0"`},
	} {
		path := filepath.Join(t.TempDir(), "model.safetensors")
		meta := map[string]string{"format": "glcnn", "arch": c.arch, "input": c.input, "mean": c.mean, "std": "0.353"}
		if err := safetensors.WriteFile(path, tensors(c.badWeight), meta); err != nil {
			t.Fatal(err)
		}
		f, err := ReadModel(path)
		var me *ModelError
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%s: %v", c.name, err)
		case c.want == "" && (f.Config.Arch != c.arch || f.Config.Mean != 0.286 || f.Config.Std != 0.353 || ShapeString(f.In) != "1x28x28"):
			t.Errorf("%s: read %+v", c.name, f)
		case c.want != "" && (!errors.As(err, &me) || me.Path != path || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), path)):
			t.Errorf("%s: err = %v, want a *ModelError naming the file and mentioning %q", c.name, err, c.want)
		}
	}
}
