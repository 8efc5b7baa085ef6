package trainer

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/glcnn/glcnn/data"
	"github.com/glcnn/glcnn/layers/ref"
)

// scriptLayer is one module of the test net of TestCheckSafetensorsScript, in
// nn.Sequential order; its index in the slice is its state_dict prefix.
type scriptLayer struct {
	kind string // conv, bn, relu, maxpool, flatten, dropout, fc
	args []int  // conv: out, kernel, stride, pad; maxpool: kernel; fc: out
}

// scriptNet is "conv:4:3,bn,relu,maxpool:2,conv:6:5:2:2,bn,relu,dropout:0.25,
// fc:16,bn,relu,fc:10" with the flatten the arch parser inserts before the
// first fc made explicit (index 8): 1x28x28 -> 4x28x28 -> 4x14x14 -> 6x7x7 ->
// 294 -> 16 -> 10. It has both kinds of batch norm, a strided padded
// convolution and a dropout, so the script's module indices and shapes are
// exercised beyond the tutorial net.
const scriptSpec = "conv:4:3,bn,relu,maxpool:2,conv:6:5:2:2,bn,relu,dropout:0.25,fc:16,bn,relu,fc:10"

var scriptNet = []scriptLayer{
	{"conv", []int{4, 3, 1, 1}}, {"bn", nil}, {"relu", nil}, {"maxpool", []int{2}},
	{"conv", []int{6, 5, 2, 2}}, {"bn", nil}, {"relu", nil}, {"dropout", nil},
	{"flatten", nil}, {"fc", []int{16}}, {"bn", nil}, {"relu", nil}, {"fc", []int{10}},
}

// randomScriptNet returns seeded random weights for scriptNet, named and
// shaped as PyTorch's state_dict, batch-norm statistics included.
func randomScriptNet(seed uint64) []STensor {
	rng := rand.New(rand.NewPCG(seed, 1))
	uniform := func(n int, lo, hi float64) []float32 {
		v := make([]float32, n)
		for i := range v {
			v[i] = float32(lo + (hi-lo)*rng.Float64())
		}
		return v
	}
	var ts []STensor
	add := func(i int, name string, shape []int, v []float32) {
		ts = append(ts, STensor{Name: fmt.Sprintf("%d.%s", i, name), DType: DTypeF32, Shape: shape, F32: v})
	}
	c, h, w, flat := 1, 28, 28, 0
	for i, l := range scriptNet {
		switch l.kind {
		case "conv":
			k, s, stride, pad := l.args[0], l.args[1], l.args[2], l.args[3]
			bound := 1 / math.Sqrt(float64(c*s*s)) // PyTorch's default init range
			add(i, "weight", []int{k, c, s, s}, uniform(k*c*s*s, -bound, bound))
			add(i, "bias", []int{k}, uniform(k, -bound, bound))
			c, h, w = k, (h+2*pad-s)/stride+1, (w+2*pad-s)/stride+1
		case "bn":
			n := c
			if flat > 0 {
				n = flat
			}
			add(i, "weight", []int{n}, uniform(n, 0.5, 1.5))
			add(i, "bias", []int{n}, uniform(n, -0.3, 0.3))
			add(i, "running_mean", []int{n}, uniform(n, -0.2, 0.2))
			add(i, "running_var", []int{n}, uniform(n, 0.5, 2))
			ts = append(ts, STensor{Name: fmt.Sprintf("%d.num_batches_tracked", i), DType: DTypeI64, Shape: []int{}, I64: []int64{int64(rng.IntN(1000))}})
		case "maxpool":
			h, w = h/l.args[0], w/l.args[0]
		case "flatten":
			flat = c * h * w
		case "fc":
			bound := 1 / math.Sqrt(float64(flat))
			add(i, "weight", []int{l.args[0], flat}, uniform(l.args[0]*flat, -bound, bound))
			add(i, "bias", []int{l.args[0]}, uniform(l.args[0], -bound, bound))
			flat = l.args[0]
		}
	}
	return ts
}

// Input normalisation of the test net, written to the metadata as glcnn
// does: a pixel v is fed as (v/255 - scriptMean) / scriptStd.
const scriptMean, scriptStd = 0.286, 0.353

// scriptNetPredict runs scriptNet in eval mode with the float64 reference ops
// on n 28x28 normalised images and returns the argmax of each. With
// calibrate, every batch norm instead runs in training mode and stores the
// batch statistics of these images as its running statistics in ts: random
// running statistics would leave the activations so far from normalised that
// one class wins every image, and agreeing predictions would prove little.
func scriptNetPredict(ts []STensor, pixels []uint8, n int, calibrate bool) []int32 {
	params := map[string][]float64{}
	for _, t := range ts {
		params[t.Name] = ref.Float64s(t.F32)
	}
	store := func(name string, v []float64) {
		for k := range ts {
			if ts[k].Name == name {
				ts[k].F32 = ref.Float32s(v)
			}
		}
	}
	get := func(i int, name string) []float64 { return params[fmt.Sprintf("%d.%s", i, name)] }
	x := make([]float64, len(pixels))
	for i, p := range pixels {
		x[i] = (float64(p)/255 - scriptMean) / scriptStd
	}
	c, h, w, flat := 1, 28, 28, 0
	for i, l := range scriptNet {
		switch l.kind {
		case "conv":
			p := ref.Conv2DParams{N: n, C: c, H: h, W: w, K: l.args[0], KH: l.args[1], KW: l.args[1], Stride: l.args[2], Pad: l.args[3]}
			x = ref.Conv2DForward(p, x, get(i, "weight"), get(i, "bias"))
			c = l.args[0]
			h, w = p.OutHW()
		case "bn":
			ch, hw := c, h*w
			if flat > 0 {
				ch, hw = flat, 1
			}
			mean, variance := get(i, "running_mean"), get(i, "running_var")
			if !calibrate {
				x = ref.BatchNormForwardEval(n, ch, hw, x, get(i, "weight"), get(i, "bias"), mean, variance, 1e-5)
				break
			}
			x, _, _ = ref.BatchNormForwardTrain(n, ch, hw, x, get(i, "weight"), get(i, "bias"), mean, variance, 1, 1e-5)
			store(fmt.Sprintf("%d.running_mean", i), mean)
			store(fmt.Sprintf("%d.running_var", i), variance)
		case "relu":
			x = ref.ReLUForward(x)
		case "maxpool":
			p := ref.Pool2DParams{N: n, C: c, H: h, W: w, K: l.args[0], Stride: l.args[0]}
			x, _ = ref.MaxPool2DForward(p, x)
			h, w = p.OutHW()
		case "flatten":
			flat = c * h * w
		case "fc":
			x = ref.LinearForward(n, flat, l.args[0], x, get(i, "weight"), get(i, "bias"))
			flat = l.args[0]
		}
	}
	pred := make([]int32, n)
	for s := range pred {
		row := x[s*flat : (s+1)*flat]
		for j, v := range row {
			if v > row[pred[s]] {
				pred[s] = int32(j)
			}
		}
	}
	return pred
}

// writeSubmission writes predictions as an id,label csv, ids 1-based.
func writeSubmission(t *testing.T, path string, pred []int32) {
	t.Helper()
	var b strings.Builder
	b.WriteString("id,label\n")
	for i, p := range pred {
		fmt.Fprintf(&b, "%d,%d\n", i+1, p)
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

// writeIDXImages writes n 28x28 images as a gzipped IDX file.
func writeIDXImages(t *testing.T, path string, pixels []uint8, n int) {
	t.Helper()
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	for _, v := range []uint32{0x803, uint32(n), 28, 28} {
		binary.Write(zw, binary.BigEndian, v)
	}
	zw.Write(pixels)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

const systemPython = "/usr/bin/python3"

// runCheckScript runs scripts/check_safetensors.py and returns its output and
// exit status.
func runCheckScript(t *testing.T, args ...string) (string, int) {
	t.Helper()
	cmd := exec.Command(systemPython, append([]string{"../scripts/check_safetensors.py"}, args...)...)
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatalf("running the script: %v", err)
	}
	t.Logf("check_safetensors.py %s:\n%s", strings.Join(args, " "), out)
	return string(out), cmd.ProcessState.ExitCode()
}

// TestCheckSafetensorsScript checks that a file WriteSafetensors writes loads
// into the equivalent PyTorch model with a strict load_state_dict and gives
// the same predictions as the float64 reference forward pass, through
// scripts/check_safetensors.py. It needs PyTorch on the system python
// (Debian's python3-torch) and is skipped without it: the script is a
// developer tool, not part of the engine.
// scriptCase is what the script tests run on: in the folder dir, 100
// random images (IDX), a random scriptNet model ts (safetensors, with
// normalisation metadata) and the float64 reference's predictions pred for
// them (submission.csv).
type scriptCase struct {
	dir, model, images, subm string
	ts                       []STensor
	pred                     []int32
}

func scriptFixture(t *testing.T, seed uint64) scriptCase {
	t.Helper()
	dir := t.TempDir()
	const n = 100
	rng := rand.New(rand.NewPCG(seed, 1))
	pixels := make([]uint8, n*28*28)
	for i := range pixels {
		pixels[i] = uint8(rng.IntN(256))
	}
	images := filepath.Join(dir, "images.idx3-ubyte.gz")
	writeIDXImages(t, images, pixels, n)
	ts := randomScriptNet(7)
	scriptNetPredict(ts, pixels, n, true)
	model := filepath.Join(dir, "model.safetensors")
	// mean and std not 0 and 1: the scripts must apply the normalisation.
	meta := map[string]string{"arch": scriptSpec, "input": "1,28,28",
		"mean": fmt.Sprint(scriptMean), "std": fmt.Sprint(scriptStd)}
	if err := WriteSafetensors(model, ts, meta); err != nil {
		t.Fatal(err)
	}
	pred := scriptNetPredict(ts, pixels, n, false)
	if classes := distinct(pred); classes < 5 {
		t.Fatalf("the random net predicts only %d classes: agreement would prove little", classes)
	}
	subm := filepath.Join(dir, "submission.csv")
	writeSubmission(t, subm, pred)
	return scriptCase{dir, model, images, subm, ts, pred}
}

func TestCheckSafetensorsScript(t *testing.T) {
	if err := exec.Command(systemPython, "-c", "import torch").Run(); err != nil {
		t.Skipf("no PyTorch on %s (%v): the python check is not run", systemPython, err)
	}
	c := scriptFixture(t, 8)
	dir, model, images, subm, ts, pred := c.dir, c.model, c.images, c.subm, c.ts, c.pred

	t.Run("agree", func(t *testing.T) {
		out, code := runCheckScript(t, model, "--images", images, "--predictions", subm)
		if code != 0 || !strings.Contains(out, "100/100 agree") {
			t.Errorf("exit %d, want 0 and 100/100 agreeing", code)
		}
	})
	t.Run("one disagrees", func(t *testing.T) {
		bad := append([]int32(nil), pred...)
		bad[17] = (bad[17] + 1) % 10
		badSubm := filepath.Join(dir, "bad.csv")
		writeSubmission(t, badSubm, bad)
		out, code := runCheckScript(t, model, "--images", images, "--predictions", badSubm)
		if code != 1 || !strings.Contains(out, "99/100 agree") || !strings.Contains(out, "row 17:") {
			t.Errorf("exit %d, want 1 and row 17 reported", code)
		}
	})
	t.Run("strict load", func(t *testing.T) {
		// PyTorch's load_state_dict fills in a missing num_batches_tracked
		// even when strict; the script's own key check must not.
		var missing []STensor
		for _, tn := range ts {
			if tn.Name != "5.num_batches_tracked" {
				missing = append(missing, tn)
			}
		}
		path := filepath.Join(dir, "missing.safetensors")
		if err := WriteSafetensors(path, missing, map[string]string{"arch": scriptSpec}); err != nil {
			t.Fatal(err)
		}
		out, code := runCheckScript(t, path)
		if code != 1 || !strings.Contains(out, "missing 5.num_batches_tracked") {
			t.Errorf("exit %d, want 1 and the missing key named", code)
		}
	})
	t.Run("fashion-mnist test set", func(t *testing.T) {
		if testing.Short() {
			t.Skip("-short: the 10000-image check takes a while on two cores")
		}
		const root = "/usr/share/datasets/fashion-mnist"
		set, err := data.ReadIDX(root+"/t10k-images-idx3-ubyte.gz", root+"/t10k-labels-idx1-ubyte.gz")
		if err != nil {
			t.Skipf("no Fashion-MNIST test set: %v", err)
		}
		const chunk = 500 // keeps the float64 activations small
		var all []int32
		for i := 0; i < set.N; i += chunk {
			m := min(chunk, set.N-i)
			all = append(all, scriptNetPredict(ts, set.Pixels[i*28*28:(i+m)*28*28], m, false)...)
		}
		t.Logf("the random net predicts %d classes on the test set", distinct(all))
		realSubm := filepath.Join(dir, "real.csv")
		writeSubmission(t, realSubm, all)
		out, code := runCheckScript(t, model, "--predictions", realSubm)
		if want := fmt.Sprintf("%d/%d agree", set.N, set.N); code != 0 || !strings.Contains(out, want) {
			t.Errorf("exit %d, want 0 and %s", code, want)
		}
	})
}

// distinct counts the different values in labels.
func distinct(labels []int32) int {
	seen := map[int32]bool{}
	for _, l := range labels {
		seen[l] = true
	}
	return len(seen)
}
