package ref

import (
	"fmt"
	"math"
)

// SoftmaxCrossEntropy is softmax fused with cross-entropy, mean over the
// batch, with label smoothing eps (PyTorch CrossEntropyLoss(label_smoothing=
// eps), reduction "mean"). For logits z (N,Classes) and labels y (N):
//
//	target[n,c]  = (1-eps)*[c == y[n]] + eps/Classes
//	logp[n,c]    = z[n,c] - max_c z[n,.] - log(sum_c exp(z[n,c] - max_c z[n,.]))
//	loss         = (1/N) sum_n -sum_c target[n,c] * logp[n,c]
//	dlogits[n,c] = (softmax(z)[n,c] - target[n,c]) / N
//
// correct counts the rows whose argmax (the first maximum on ties) equals the
// label. It panics when the slice lengths do not match n, classes, or a label
// is outside [0, classes).
func SoftmaxCrossEntropy(n, classes int, logits []float64, labels []int32, smoothing float64) (loss float64, dlogits []float64, correct int) {
	const op = "SoftmaxCrossEntropy"
	checkLen(op, "logits", len(logits), n*classes)
	checkLen(op, "labels", len(labels), n)
	dlogits = make([]float64, len(logits))
	for s := 0; s < n; s++ {
		label := int(labels[s])
		if label < 0 || label >= classes {
			panic(fmt.Sprintf("ref: %s: labels[%d] = %d outside [0,%d)", op, s, label, classes))
		}
		z := logits[s*classes : (s+1)*classes]
		maxv, arg := z[0], 0
		for c := 1; c < classes; c++ {
			if z[c] > maxv {
				maxv, arg = z[c], c
			}
		}
		if arg == label {
			correct++
		}
		sumExp := 0.0
		for c := 0; c < classes; c++ {
			sumExp += math.Exp(z[c] - maxv)
		}
		logSum := math.Log(sumExp)
		for c := 0; c < classes; c++ {
			target := smoothing / float64(classes)
			if c == label {
				target += 1 - smoothing
			}
			logp := z[c] - maxv - logSum
			loss -= target * logp
			dlogits[s*classes+c] = (math.Exp(logp) - target) / float64(n)
		}
	}
	return loss / float64(n), dlogits, correct
}
