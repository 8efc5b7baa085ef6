package layers

import (
	"fmt"

	"github.com/glcnn/glcnn/gpu"
)

// SoftmaxCrossEntropy is the loss head: softmax fused with cross-entropy
// (PyTorch CrossEntropyLoss, mean reduction, optional label smoothing). It
// is not a Layer: it takes labels, and it keeps the epoch's loss sum and
// correct-prediction count in GPU accumulators, so that the host reads back
// two numbers per epoch rather than one per batch.
type SoftmaxCrossEntropy struct {
	Classes   int
	MaxBatch  int
	Smoothing float64

	d       *gpu.Device
	dz      *Tensor
	rowLoss *gpu.Buffer[float32]
	rowHit  *gpu.Buffer[uint32]
	acc     *gpu.Buffer[float32] // loss sum, Kahan compensation
	hits    *gpu.Buffer[uint32]  // correct predictions

	fwd, sum, argmax *gpu.Program
}

// sumWG is the workgroup size of softmax_xent_sum.comp (a power of two).
const sumWG = 256

// NewSoftmaxCrossEntropy allocates the loss head for logits (N, classes)
// with N up to maxBatch, and zeroes its sums. It panics unless classes >= 1,
// maxBatch >= 1 and 0 <= smoothing <= 1; it returns an error when the
// buffers cannot be allocated.
func NewSoftmaxCrossEntropy(d *gpu.Device, classes, maxBatch int, smoothing float64) (*SoftmaxCrossEntropy, error) {
	if classes < 1 || maxBatch < 1 || !(smoothing >= 0 && smoothing <= 1) {
		panic(fmt.Sprintf("layers: NewSoftmaxCrossEntropy(%d classes, batch %d, smoothing %v)", classes, maxBatch, smoothing))
	}
	s := &SoftmaxCrossEntropy{Classes: classes, MaxBatch: maxBatch, Smoothing: smoothing, d: d}
	var err error
	if s.dz, err = NewTensor(d, maxBatch, classes); err == nil {
		if s.rowLoss, err = gpu.NewBuffer[float32](d, maxBatch); err == nil {
			if s.rowHit, err = gpu.NewBuffer[uint32](d, maxBatch); err == nil {
				if s.acc, err = gpu.NewBuffer[float32](d, 2); err == nil {
					s.hits, err = gpu.NewBuffer[uint32](d, 1)
				}
			}
		}
	}
	if err != nil {
		s.Release()
		return nil, fmt.Errorf("layers: softmax-xent: %w", err)
	}
	k := programs{d: d, op: "softmax-xent"}
	s.fwd = k.get("softmax_xent")
	s.sum = k.get("softmax_xent_sum", gpu.D("WG", sumWG))
	s.argmax = k.get("argmax")
	if k.err != nil {
		s.Release()
		return nil, k.err
	}
	return s, nil
}

func (s *SoftmaxCrossEntropy) rows(op string, logits *Tensor, labels *gpu.Buffer[uint32]) int {
	n := logits.Shape[0]
	if n < 1 || n > s.MaxBatch || logits.Len() != n*s.Classes || labels.Len() < n {
		panic(fmt.Sprintf("layers: softmax-xent: %s of logits %v (labels %d), set up for %d x %d",
			op, logits.Shape, labels.Len(), s.MaxBatch, s.Classes))
	}
	return n
}

// Forward returns dlogits = (softmax(logits) - target)/norm for logits
// (N, classes) and labels[0:N], and adds the batch's summed loss and its
// correct-prediction count to the sums. norm is the size of the whole batch
// the loss is a mean over: N itself, or more when a large batch is
// processed in chunks. The result is valid until the next Forward. It
// panics on a shape mismatch or norm < 1.
func (s *SoftmaxCrossEntropy) Forward(logits *Tensor, labels *gpu.Buffer[uint32], norm int) *Tensor {
	if norm < 1 {
		panic(fmt.Sprintf("layers: softmax-xent: norm %d", norm))
	}
	n := s.run("Forward", logits, labels, 1/float64(norm), true)
	return s.dz.View(n, s.Classes)
}

// Eval adds the loss and correct count of a batch to the sums without
// computing dlogits (validation and test passes).
func (s *SoftmaxCrossEntropy) Eval(logits *Tensor, labels *gpu.Buffer[uint32]) {
	s.run("Eval", logits, labels, 1, false)
}

func (s *SoftmaxCrossEntropy) run(op string, logits *Tensor, labels *gpu.Buffer[uint32], invNorm float64, grad bool) int {
	n := s.rows(op, logits, labels)
	g := 0
	if grad {
		g = 1
	}
	s.d.Dispatch(s.fwd, gpu.Grid1(n), gpu.Bindings{0: logits.Buf, 1: labels, 2: s.dz.Buf, 3: s.rowLoss, 4: s.rowHit},
		gpu.U("n", n), gpu.U("classes", s.Classes), gpu.U("eps", s.Smoothing),
		gpu.U("invNorm", invNorm), gpu.U("grad", g))
	s.d.Dispatch(s.sum, gpu.Grid1(sumWG), gpu.Bindings{0: s.rowLoss, 1: s.rowHit, 2: s.acc, 3: s.hits}, gpu.U("n", n))
	return n
}

// ResetSums zeroes the loss sum and the correct count.
func (s *SoftmaxCrossEntropy) ResetSums() {
	s.acc.Fill(0)
	s.hits.Fill(0)
}

// ReadSums returns the loss summed over every sample since ResetSums (the
// mean loss is lossSum divided by the samples seen) and the number of
// correct predictions. It is the only host readback of the loss head.
func (s *SoftmaxCrossEntropy) ReadSums() (lossSum float64, correct int) {
	a := s.acc.Read()
	h := s.hits.Read()
	return float64(a[0]) - float64(a[1]), int(h[0])
}

// Predict writes the predicted class (the first maximum) of each row of
// logits (N, classes) to dst[off : off+N]. It panics when dst is too short.
func (s *SoftmaxCrossEntropy) Predict(logits *Tensor, dst *gpu.Buffer[uint32], off int) {
	n := logits.Shape[0]
	if logits.Len() != n*s.Classes || off < 0 || off+n > dst.Len() {
		panic(fmt.Sprintf("layers: softmax-xent: Predict of logits %v into [%d, %d) of %d", logits.Shape, off, off+n, dst.Len()))
	}
	s.d.Dispatch(s.argmax, gpu.Grid1(n), gpu.Bindings{0: logits.Buf, 1: dst},
		gpu.U("n", n), gpu.U("classes", s.Classes), gpu.U("off", off))
}

// Costs reports the kernels of a Forward (and Predict) at batch n; an exp
// counts as one FLOP.
func (s *SoftmaxCrossEntropy) Costs(n int) map[string]Cost {
	k := int64(s.Classes)
	rows := int64(n)
	return map[string]Cost{
		"softmax_xent":     {FLOPs: rows * 10 * k, Bytes: 4 * rows * (2*k + 3)},
		"softmax_xent_sum": {FLOPs: 2 * rows, Bytes: 8*rows + 12},
		"argmax":           {FLOPs: rows * k, Bytes: 4 * rows * (k + 1)},
	}
}

// Release frees the buffers; idempotent.
func (s *SoftmaxCrossEntropy) Release() {
	s.dz.Release()
	for _, b := range []interface{ Release() }{s.rowLoss, s.rowHit, s.acc, s.hits} {
		b.Release()
	}
}

// RawSums returns the accumulators exactly as the GPU holds them (the loss
// sum, its Kahan compensation, the correct count), so that a checkpoint
// taken mid-epoch resumes bit for bit.
func (s *SoftmaxCrossEntropy) RawSums() (acc [2]float32, hits uint32) {
	s.acc.Download(acc[:])
	return acc, s.hits.Read()[0]
}

// SetRawSums restores accumulators saved by RawSums.
func (s *SoftmaxCrossEntropy) SetRawSums(acc [2]float32, hits uint32) {
	s.acc.Upload(acc[:])
	s.hits.Upload([]uint32{hits})
}
