package layers

import (
	"fmt"
	"math"
	"testing"

	"github.com/glcnn/glcnn/gpu"
	"github.com/glcnn/glcnn/gpu/gputest"
	"github.com/glcnn/glcnn/layers/ref"
)

// xentBatch is one seeded batch of logits and labels.
type xentBatch struct {
	logits []float64
	labels []int32
}

func newXentBatch(seed int64, n, classes int, scale float64) xentBatch {
	b := xentBatch{logits: ref.RandN(seed, n*classes), labels: make([]int32, n)}
	for i := range b.logits {
		b.logits[i] = float64(float32(b.logits[i] * scale))
	}
	for i, v := range ref.RandN(seed+1, n) {
		b.labels[i] = int32(float64(classes) * (v + 1) / 2)
	}
	return b
}

func labelBuffer(t *testing.T, d *gpu.Device, labels []int32) *gpu.Buffer[uint32] {
	t.Helper()
	b, err := gpu.NewBuffer[uint32](d, len(labels))
	if err != nil {
		t.Fatal(err)
	}
	u := make([]uint32, len(labels))
	for i, l := range labels {
		u[i] = uint32(l)
	}
	b.Upload(u)
	return b
}

// TestSoftmaxCrossEntropy runs two batches through one loss head and checks
// each dlogits, the canary past them, the accumulated loss sum and correct
// count, the Eval path and Predict.
func TestSoftmaxCrossEntropy(t *testing.T) {
	d := gputest.Device(t)
	for _, c := range []struct {
		n, classes int
		smoothing  float64
		scale      float64 // logits uniform in [-scale, scale)
		extra      int     // norm = n + extra: a chunk of a larger batch
	}{
		{1, 10, 0, 3, 0},
		{33, 10, 0, 3, 0},
		{33, 10, 0.1, 3, 0},
		{1, 10, 0.1, 3, 0},
		{33, 10, 0.1, 80, 0}, // exp(-160) and log-sum-exp of huge values
		{33, 10, 0, 80, 0},
		{33, 10, 0.1, 3, 967}, // chunk of a batch of 1000
		{300, 7, 0.05, 5, 0},  // more rows than the sum's workgroup
		{5, 1, 0, 1, 0},       // one class: loss 0, dlogits 0
	} {
		t.Run(fmt.Sprintf("n%d_k%d_s%v_x%v_norm+%d", c.n, c.classes, c.smoothing, c.scale, c.extra), func(t *testing.T) {
			s, err := NewSoftmaxCrossEntropy(d, c.classes, c.n+1, c.smoothing)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Release()
			const canary = float32(-12345.5)
			s.dz.Buf.Fill(canary)
			norm := c.n + c.extra
			wantSum, wantCorrect := 0.0, 0
			for call := range 2 {
				b := newXentBatch(int64(c.n*10+call), c.n, c.classes, c.scale)
				z := tensorOf(t, b.logits, c.n, c.classes)
				lb := labelBuffer(t, d, b.labels)
				loss, dz, correct := ref.SoftmaxCrossEntropy(c.n, c.classes, b.logits, b.labels, c.smoothing)
				for i := range dz {
					dz[i] *= float64(c.n) / float64(norm)
				}
				wantSum += loss * float64(c.n)
				wantCorrect += correct
				got := s.Forward(z, lb, norm)
				report(t, fmt.Sprintf("dlogits (call %d)", call), got.Read(), dz, tolR, tolA)
				checkCanary(t, "dlogits", s.dz.Buf, c.n*c.classes, canary)
				gotSum, gotCorrect := s.ReadSums()
				report(t, fmt.Sprintf("loss sum (call %d)", call), []float32{float32(gotSum)}, []float64{wantSum}, tolR, tolA)
				if gotCorrect != wantCorrect {
					t.Errorf("correct after call %d = %d, want %d", call, gotCorrect, wantCorrect)
				}
				// Predict agrees with the reference's argmax through Eval.
				pred, _ := gpu.NewBuffer[uint32](d, c.n+3)
				s.Predict(z, pred, 2)
				hits := 0
				for i, p := range pred.Read()[2 : 2+c.n] {
					if int32(p) == b.labels[i] {
						hits++
					}
				}
				if hits != correct {
					t.Errorf("Predict hits %d labels, want %d", hits, correct)
				}
				pred.Release()
				z.Release()
				lb.Release()
			}
			// Eval accumulates without touching dlogits.
			b := newXentBatch(99, c.n, c.classes, c.scale)
			z := tensorOf(t, b.logits, c.n, c.classes)
			lb := labelBuffer(t, d, b.labels)
			defer z.Release()
			defer lb.Release()
			before := s.dz.Read()
			s.ResetSums()
			s.Eval(z, lb)
			loss, _, correct := ref.SoftmaxCrossEntropy(c.n, c.classes, b.logits, b.labels, c.smoothing)
			gotSum, gotCorrect := s.ReadSums()
			report(t, "Eval loss sum", []float32{float32(gotSum)}, []float64{loss * float64(c.n)}, tolR, tolA)
			if gotCorrect != correct {
				t.Errorf("Eval correct = %d, want %d", gotCorrect, correct)
			}
			report(t, "dlogits after Eval", s.dz.Read(), ref.Float64s(before), 0, 0)
		})
	}
}

// TestSoftmaxCrossEntropyManyCalls accumulates 200 batches: the compensated
// sum keeps the epoch's loss to float32 precision.
func TestSoftmaxCrossEntropyManyCalls(t *testing.T) {
	d := gputest.Device(t)
	s, err := NewSoftmaxCrossEntropy(d, 10, 64, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Release()
	b := newXentBatch(1, 64, 10, 2)
	z := tensorOf(t, b.logits, 64, 10)
	lb := labelBuffer(t, d, b.labels)
	defer z.Release()
	defer lb.Release()
	loss, _, correct := ref.SoftmaxCrossEntropy(64, 10, b.logits, b.labels, 0)
	const calls = 200
	for range calls {
		s.Eval(z, lb)
	}
	sum, hits := s.ReadSums()
	if want := loss * 64 * calls; math.Abs(sum-want) > 1e-5*want {
		t.Errorf("loss sum over %d calls = %v, want %v", calls, sum, want)
	}
	if hits != correct*calls {
		t.Errorf("correct = %d, want %d", hits, correct*calls)
	}
	s.ResetSums()
	if sum, hits := s.ReadSums(); sum != 0 || hits != 0 {
		t.Errorf("after ResetSums: %v, %d", sum, hits)
	}
}

// TestGoldenSoftmaxCrossEntropy matches PyTorch's softmax_xent.json (label
// smoothing 0.1): loss, dlogits and the correct count.
func TestGoldenSoftmaxCrossEntropy(t *testing.T) {
	d := gputest.Device(t)
	g := goldenFile(t, "softmax_xent.json")
	q := goldenVals(t, g, "params")
	n, classes := int(q[0]), int(q[1])
	s, err := NewSoftmaxCrossEntropy(d, classes, n, q[2])
	if err != nil {
		t.Fatal(err)
	}
	defer s.Release()
	z := tensorOf(t, goldenVals(t, g, "logits"), n, classes)
	defer z.Release()
	var labels []int32
	for _, v := range goldenVals(t, g, "labels") {
		labels = append(labels, int32(v))
	}
	lb := labelBuffer(t, d, labels)
	defer lb.Release()
	report(t, "dlogits", s.Forward(z, lb, n).Read(), goldenVals(t, g, "dlogits"), tolR, tolA)
	sum, correct := s.ReadSums()
	report(t, "loss", []float32{float32(sum / float64(n))}, goldenVals(t, g, "loss"), tolR, tolA)
	if want := int(goldenVals(t, g, "correct")[0]); correct != want {
		t.Errorf("correct = %d, want %d", correct, want)
	}
}
