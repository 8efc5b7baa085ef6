package trainer

import (
	"math"
	"strings"
	"testing"

	"github.com/glcnn/glcnn/data"
	"github.com/glcnn/glcnn/gpu/gputest"
	"github.com/glcnn/glcnn/layers/ref"
)

// TestProbabilities checks Session.Probabilities of a one-layer net (fc:10
// on 5x3 images, so the reference is one ref.LinearForward) against the
// float64 softmax of the reference logits, over 7 images in chunks of 3 (a
// partial last chunk); each row sums to 1 and its argmax is Predict's class.
func TestProbabilities(t *testing.T) {
	d := gputest.Device(t)
	const n, h, w = 7, 5, 3
	cfg := Config{Arch: "fc:10", Optimizer: "sgd", LR0: 0.1, Mean: 0.25, Std: 0.5, Chunk: 3}
	s, err := NewSession(d, cfg, []int{1, h, w}, n)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Release()
	if s.Chunk != 3 {
		t.Fatalf("chunk %d, want 3", s.Chunk)
	}
	s.Model.Init(11)
	set := &data.Set{N: n, H: h, W: w, Pixels: make([]uint8, n*h*w)}
	for i, v := range ref.RandN(12, n*h*w) {
		set.Pixels[i] = uint8(127.5 + 127.5*v)
	}

	got, err := s.Probabilities(set)
	if err != nil {
		t.Fatal(err)
	}
	params := map[string][]float64{}
	for _, ts := range s.Model.StateDict() {
		params[ts.Name] = ref.Float64s(ts.F32)
	}
	x := make([]float64, n*h*w)
	for i, p := range set.Pixels {
		x[i] = (float64(p)/255 - cfg.Mean) / cfg.Std
	}
	// Index 0 is the flatten the parser puts before the first fc.
	logits := ref.LinearForward(n, h*w, 10, x, params["1.weight"], params["1.bias"])
	want := make([]float64, n*10)
	for i := range n {
		softmax(want[i*10:(i+1)*10], ref.Float32s(logits[i*10:(i+1)*10]))
	}
	flat := make([]float32, 0, n*10)
	for i, row := range got {
		if len(row) != 10 {
			t.Fatalf("row %d has %d probabilities, want 10", i, len(row))
		}
		var sum float64
		for _, p := range row {
			sum += p
			flat = append(flat, float32(p))
		}
		if math.Abs(sum-1) > 1e-12 {
			t.Errorf("row %d sums to %v", i, sum)
		}
	}
	// The GPU's float32 logits against float64 ones: the default fp32
	// tolerance of STYLE.md.
	if msg := ref.Close(flat, want, 1e-4, 1e-5); msg != "" {
		t.Errorf("probabilities differ from the reference: %s", msg)
	}
	preds, err := s.Predict(set)
	if err != nil {
		t.Fatal(err)
	}
	for i, row := range got {
		best := 0
		for c, p := range row {
			if p > row[best] {
				best = c
			}
		}
		if int32(best) != preds[i] {
			t.Errorf("image %d: argmax %d, Predict %d", i, best, preds[i])
		}
	}

	other := &data.Set{N: 1, H: 4, W: 4, Pixels: make([]uint8, 16)}
	if _, err := s.Probabilities(other); err == nil || !strings.Contains(err.Error(), "1x5x3") || !strings.Contains(err.Error(), "1x4x4") {
		t.Errorf("wrong-size images: err %v, want both shapes named", err)
	}
}

// TestSoftmax: the largest logit is subtracted first, so huge logits do not
// overflow and tiny ones underflow to 0, not NaN.
func TestSoftmax(t *testing.T) {
	dst := make([]float64, 4)
	softmax(dst, []float32{1000, 0, -1000, 1000})
	want := []float64{0.5, 0, 0, 0.5}
	for i := range dst {
		if math.Abs(dst[i]-want[i]) > 1e-12 {
			t.Errorf("softmax = %v, want %v", dst, want)
			break
		}
	}
	softmax(dst[:2], []float32{0, float32(math.Log(3))})
	if math.Abs(dst[0]-0.25) > 1e-7 || math.Abs(dst[1]-0.75) > 1e-7 {
		t.Errorf("softmax(0, ln 3) = %v, want [0.25 0.75]", dst[:2])
	}
}
