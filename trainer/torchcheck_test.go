package trainer

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/glcnn/glcnn/data"
	"github.com/glcnn/glcnn/gpu/gputest"
	"github.com/glcnn/glcnn/layers"
	"github.com/glcnn/glcnn/layers/ref"
	"github.com/glcnn/glcnn/safetensors"
)

// scriptNet is the test net of TestCheckSafetensorsScript, built from the
// op registry so that every registered op is loaded into PyTorch: after
// conv:4:3,bn,relu,maxpool:2 (1x28x28 -> 4x14x14), the Example of every op
// that keeps a (C,H,W) layout, in registry order (those that reduce the
// plane to 1x1, global pools, after the others: no spatial op could follow
// them), then of every op that takes (C,H,W) and gives a flat output, then
// a flatten, then the Example
// of every op that takes a flat input (or either), and fc:10. With today's
// ops it has both kinds of batch norm, a strided padded convolution, a
// strided pooling and dropouts, so the script's module indices and shapes
// are exercised beyond the tutorial net.
func scriptNet(t *testing.T) Spec {
	t.Helper()
	items := []string{"conv:4:3", "bn", "relu", "maxpool:2"}
	var pools, toFlat, flat []string
	for _, op := range layers.Ops() {
		switch {
		case op.Flattens || op.Example == "":
		case op.In != layers.Flat && op.Out != layers.Flat && collapsesPlane(t, op):
			pools = append(pools, op.Example)
		case op.In != layers.Flat && op.Out != layers.Flat:
			items = append(items, op.Example)
			if op.In == layers.AnyLayout {
				flat = append(flat, op.Example)
			}
		case op.In != layers.Flat:
			toFlat = append(toFlat, op.Example)
		default:
			flat = append(flat, op.Example)
		}
	}
	items = append(append(append(append(items, pools...), toFlat...), "flatten"), flat...)
	arch := strings.Join(append(items, "fc:10"), ",")
	spec, err := ParseSpec(arch)
	if err == nil {
		_, err = spec.Shapes([]int{1, 28, 28}, 10)
	}
	if err != nil {
		t.Fatalf("the test net of the registry's examples, %s: %v (choose an Example that fits)", arch, err)
	}
	return spec
}

// collapsesPlane says whether op's Example reduces a 4x14x14 input to a
// 1x1 plane (a global pool), after which no spatial op's Example fits.
func collapsesPlane(t *testing.T, op *layers.Op) bool {
	t.Helper()
	f := strings.Split(op.Example, ":")
	attrs, err := op.Parse(f[1:])
	if err != nil {
		t.Fatalf("op %s: its example %s: %v", op.ID, op.Example, err)
	}
	out, err := op.Shape(attrs, []int{4, 14, 14})
	return err == nil && len(out) == 3 && out[1]*out[2] == 1
}

// randomScriptNet returns seeded random weights for spec, named and shaped
// as PyTorch's state_dict, buffers included: the model's own seeded
// initialisation with every float value moved by up to 30% of its
// tensor's RMS (1 for an all-zero tensor, such as a batch-norm bias), and
// every integer buffer (num_batches_tracked) random.
func randomScriptNet(t *testing.T, spec Spec, seed uint64) []safetensors.Tensor {
	t.Helper()
	m, err := NewModel(gputest.Device(t), spec, []int{1, 28, 28}, 10, 1, ModelOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Release()
	m.Init(seed)
	ts := m.StateDict()
	rng := rand.New(rand.NewPCG(seed, 1))
	for k := range ts {
		if ts[k].I64 != nil {
			ts[k].I64[0] = int64(rng.IntN(1000))
			continue
		}
		v := ts[k].F32
		rms := 0.0
		for _, x := range v {
			rms += float64(x) * float64(x)
		}
		rms = math.Sqrt(rms / float64(len(v)))
		if rms == 0 {
			rms = 1
		}
		for i := range v {
			v[i] += float32(0.3 * rms * (2*rng.Float64() - 1))
		}
	}
	return ts
}

// Input normalisation of the test net, written to the metadata as glcnn
// does: a pixel v is fed as (v/255 - scriptMean) / scriptStd.
const scriptMean, scriptStd = 0.286, 0.353

// scriptNetPredict runs spec in eval mode with its ops' float64 references
// (layers.Op.Ref) on n 28x28 normalised images and returns the argmax of
// each. With calibrate, every op with buffers (batch norm) instead stores
// the batch statistics of these images as its buffers in ts (from one
// training-mode reference call: buffer = (after - (1-m)·before)/m, the
// running average undone, m = layers.BNMomentum): random running
// statistics would leave the activations so far from normalised that one
// class wins every image, and agreeing predictions would prove little.
func scriptNetPredict(t *testing.T, spec Spec, ts []safetensors.Tensor, pixels []uint8, n int, calibrate bool) []int32 {
	t.Helper()
	shapes, err := spec.Shapes([]int{1, 28, 28}, 10)
	if err != nil {
		t.Fatal(err)
	}
	return refPredict(spec, shapes, ts, pixels, n, calibrate)
}

// refPredict is scriptNetPredict given spec's output shapes. Without
// calibrate it only reads ts, so that calls can run in parallel.
func refPredict(spec Spec, shapes [][]int, ts []safetensors.Tensor, pixels []uint8, n int, calibrate bool) []int32 {
	byName := map[string]*safetensors.Tensor{}
	for k := range ts {
		byName[ts[k].Name] = &ts[k]
	}
	x := make([]float64, len(pixels))
	for i, p := range pixels {
		x[i] = (float64(p)/255 - scriptMean) / scriptStd
	}
	in := []int{1, 28, 28}
	for i, it := range spec {
		params := map[string][]float64{}
		prefix := fmt.Sprintf("%d.", i)
		for name, tn := range byName {
			if rest, ok := strings.CutPrefix(name, prefix); ok && tn.F32 != nil {
				params[rest] = ref.Float64s(tn.F32)
			}
		}
		call := layers.RefCall{N: n, In: in, X: x, Params: params, Index: i}
		if calibrate {
			train := call
			train.Train, train.DY = true, make([]float64, n*layers.Numel(shapes[i]))
			train.Params = map[string][]float64{}
			for k, v := range params {
				train.Params[k] = slices.Clone(v)
			}
			for name, after := range it.Op.Ref(it.Attrs, train).Buffers {
				before := params[name]
				for j := range after {
					before[j] = (after[j] - (1-layers.BNMomentum)*before[j]) / layers.BNMomentum
				}
				byName[prefix+name].F32 = ref.Float32s(before)
			}
		}
		x = it.Op.Ref(it.Attrs, call).Y
		in = shapes[i]
	}
	pred := make([]int32, n)
	for s := range pred {
		row := x[s*10 : (s+1)*10]
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

// scriptCase is what the script tests run on: in the folder dir, 100
// random images (IDX), a random scriptNet model ts (safetensors, with
// normalisation metadata) and the float64 reference's predictions pred for
// them (submission.csv).
type scriptCase struct {
	dir, model, images, subm string
	spec                     Spec
	ts                       []safetensors.Tensor
	pred                     []int32
}

func scriptFixture(t *testing.T, dir string, seed uint64) scriptCase {
	t.Helper()
	const n = 100
	rng := rand.New(rand.NewPCG(seed, 1))
	pixels := make([]uint8, n*28*28)
	for i := range pixels {
		pixels[i] = uint8(rng.IntN(256))
	}
	images := filepath.Join(dir, "images.idx3-ubyte.gz")
	writeIDXImages(t, images, pixels, n)
	spec := scriptNet(t)
	ts := randomScriptNet(t, spec, 7)
	scriptNetPredict(t, spec, ts, pixels, n, true)
	model := filepath.Join(dir, "model.safetensors")
	// mean and std not 0 and 1: the scripts must apply the normalisation.
	meta := scriptMeta(t, spec)
	meta["mean"], meta["std"] = fmt.Sprint(scriptMean), fmt.Sprint(scriptStd)
	if err := safetensors.WriteFile(model, ts, meta); err != nil {
		t.Fatal(err)
	}
	pred := scriptNetPredict(t, spec, ts, pixels, n, false)
	if classes := distinct(pred); classes < 5 {
		t.Fatalf("the random net predicts only %d classes: agreement would prove little", classes)
	}
	subm := filepath.Join(dir, "submission.csv")
	writeSubmission(t, subm, pred)
	return scriptCase{dir, model, images, subm, spec, ts, pred}
}

// scriptMeta is the metadata glcnn writes about spec's network: its arch,
// input shape and PyTorch modules.
func scriptMeta(t *testing.T, spec Spec) map[string]string {
	t.Helper()
	mods, err := ModulesJSON(spec, []int{1, 28, 28})
	if err != nil {
		t.Fatal(err)
	}
	return map[string]string{"arch": spec.String(), "input": "1,28,28", "modules": mods}
}

// TestCheckSafetensorsScript checks that a file safetensors.WriteFile
// writes loads into the equivalent PyTorch model with a strict
// load_state_dict and gives the same predictions as the float64 reference
// forward pass, through scripts/check_safetensors.py. It needs PyTorch on
// the system python (Debian's python3-torch) and is skipped without it:
// the script is a developer tool, not part of the engine.
func TestCheckSafetensorsScript(t *testing.T) {
	c := sharedScriptFixture(t)
	dir, model, images, subm, ts, pred := c.dir, c.model, c.images, c.subm, c.ts, c.pred
	t.Logf("test net: %s", c.spec)

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
		var missing []safetensors.Tensor
		drop := ""
		for _, tn := range ts {
			if drop == "" && strings.HasSuffix(tn.Name, ".num_batches_tracked") {
				drop = tn.Name
				continue
			}
			missing = append(missing, tn)
		}
		if drop == "" {
			t.Skip("no op of the test net has a num_batches_tracked")
		}
		path := filepath.Join(dir, "missing.safetensors")
		if err := safetensors.WriteFile(path, missing, scriptMeta(t, c.spec)); err != nil {
			t.Fatal(err)
		}
		out, code := runCheckScript(t, path)
		if code != 1 || !strings.Contains(out, "missing "+drop) {
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
		shapes, err := c.spec.Shapes([]int{1, 28, 28}, 10)
		if err != nil {
			t.Fatal(err)
		}
		// Chunks keep the float64 activations small, one per CPU at a time.
		const chunk = 500
		all := make([]int32, set.N)
		var wg sync.WaitGroup
		cpus := make(chan struct{}, runtime.GOMAXPROCS(0))
		for i := 0; i < set.N; i += chunk {
			wg.Add(1)
			cpus <- struct{}{}
			go func() {
				defer func() { <-cpus; wg.Done() }()
				m := min(chunk, set.N-i)
				copy(all[i:], refPredict(c.spec, shapes, ts, set.Pixels[i*28*28:(i+m)*28*28], m, false))
			}()
		}
		wg.Wait()
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
