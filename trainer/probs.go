package trainer

import (
	"math"

	"github.com/glcnn/glcnn/data"
	"github.com/glcnn/glcnn/layers"
)

// Probabilities returns, for every image of set, the probability the model
// gives each class (probs[i][c] for image i and class c): the softmax of its
// logits in eval mode (running batch-norm statistics, no dropout). The
// softmax is taken on the host, in float64, of the float32 logits, so each
// row sums to 1 within float64 rounding and its argmax is the class Predict
// returns (barring exact ties). Images of another shape than the model's
// input are an error.
//
// Unlike Predict, which reads back one class per image, it reads back every
// logit: Classes floats per image.
func (s *Session) Probabilities(set *data.Set) (probs [][]float64, err error) {
	r, err := s.upload(set)
	if err != nil {
		return nil, err
	}
	defer r.Release()
	k := s.Model.Classes
	probs = make([][]float64, set.N)
	flat := make([]float64, set.N*k) // one allocation for all rows
	logits := make([]float32, s.Chunk*k)
	for off := 0; off < r.N; off += s.Chunk {
		m := min(s.Chunk, r.N-off)
		r.Gather(s.x.Buf, s.labels, data.Batch{Start: off, N: m, Normalize: s.normalize()})
		out := s.Model.Forward(s.input(m), layers.Mode{})
		out.Buf.DownloadAt(logits[:m*k], 0)
		for i := range m {
			row := flat[(off+i)*k : (off+i+1)*k : (off+i+1)*k]
			softmax(row, logits[i*k:(i+1)*k])
			probs[off+i] = row
		}
	}
	return probs, nil
}

// softmax sets dst to the softmax of logits, subtracting the largest logit
// first so that exp cannot overflow. dst and logits have the same length.
func softmax(dst []float64, logits []float32) {
	top := math.Inf(-1)
	for _, v := range logits {
		top = max(top, float64(v))
	}
	var sum float64
	for i, v := range logits {
		dst[i] = math.Exp(float64(v) - top)
		sum += dst[i]
	}
	for i := range dst {
		dst[i] /= sum
	}
}
