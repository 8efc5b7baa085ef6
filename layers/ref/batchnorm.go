package ref

import (
	"fmt"
	"math"
)

// BatchNormForwardTrain normalizes x (N,C,HW) with the statistics of the
// batch, per channel c over the M = N*HW values x[n,c,s] (PyTorch
// BatchNorm1d/2d in training mode; BatchNorm1d is hw = 1):
//
//	mean[c]   = (1/M) sum_{n,s} x[n,c,s]
//	var[c]    = (1/M) sum_{n,s} (x[n,c,s] - mean[c])^2         (biased)
//	invstd[c] = 1 / sqrt(var[c] + eps)
//	y[n,c,s]  = gamma[c] * (x[n,c,s] - mean[c]) * invstd[c] + beta[c]
//
// and updates the running statistics in place with the unbiased variance:
//
//	runMean[c] = (1-momentum)*runMean[c] + momentum*mean[c]
//	runVar[c]  = (1-momentum)*runVar[c]  + momentum*var[c]*M/(M-1)
//
// mean and invstd are returned for BatchNormBackward. It panics when the slice
// lengths do not match n, c, hw, or when M < 2 (PyTorch refuses too: the
// unbiased variance of one value is undefined).
func BatchNormForwardTrain(n, c, hw int, x, gamma, beta, runMean, runVar []float64, momentum, eps float64) (y, mean, invstd []float64) {
	const op = "BatchNormForwardTrain"
	checkBN(op, n, c, hw, x, gamma, beta, runMean, runVar)
	m := n * hw
	if m < 2 {
		panic(fmt.Sprintf("ref: %s: need more than 1 value per channel, got N*HW = %d", op, m))
	}
	mean = make([]float64, c)
	invstd = make([]float64, c)
	y = make([]float64, len(x))
	for ch := 0; ch < c; ch++ {
		sum := 0.0
		for s := 0; s < n; s++ {
			for i := 0; i < hw; i++ {
				sum += x[(s*c+ch)*hw+i]
			}
		}
		mu := sum / float64(m)
		sq := 0.0
		for s := 0; s < n; s++ {
			for i := 0; i < hw; i++ {
				d := x[(s*c+ch)*hw+i] - mu
				sq += d * d
			}
		}
		variance := sq / float64(m)
		is := 1 / math.Sqrt(variance+eps)
		for s := 0; s < n; s++ {
			for i := 0; i < hw; i++ {
				j := (s*c+ch)*hw + i
				y[j] = gamma[ch]*(x[j]-mu)*is + beta[ch]
			}
		}
		mean[ch], invstd[ch] = mu, is
		runMean[ch] = (1-momentum)*runMean[ch] + momentum*mu
		runVar[ch] = (1-momentum)*runVar[ch] + momentum*variance*float64(m)/float64(m-1)
	}
	return y, mean, invstd
}

// BatchNormForwardEval normalizes x (N,C,HW) with the running statistics
// (PyTorch BatchNorm in eval mode):
//
//	y[n,c,s] = gamma[c] * (x[n,c,s] - runMean[c]) / sqrt(runVar[c] + eps) + beta[c]
//
// It panics when the slice lengths do not match n, c, hw.
func BatchNormForwardEval(n, c, hw int, x, gamma, beta, runMean, runVar []float64, eps float64) []float64 {
	checkBN("BatchNormForwardEval", n, c, hw, x, gamma, beta, runMean, runVar)
	y := make([]float64, len(x))
	for s := 0; s < n; s++ {
		for ch := 0; ch < c; ch++ {
			is := 1 / math.Sqrt(runVar[ch]+eps)
			for i := 0; i < hw; i++ {
				j := (s*c+ch)*hw + i
				y[j] = gamma[ch]*(x[j]-runMean[ch])*is + beta[ch]
			}
		}
	}
	return y
}

// BatchNormBackward returns the training-mode gradients (through the batch
// statistics) given the mean and invstd of BatchNormForwardTrain and dy
// (N,C,HW). With xhat = (x-mean)*invstd and M = N*HW, per channel:
//
//	dbeta[c]    = sum_{n,s} dy[n,c,s]
//	dgamma[c]   = sum_{n,s} dy[n,c,s] * xhat[n,c,s]
//	dx[n,c,s]   = gamma[c]*invstd[c]/M * (M*dy[n,c,s] - dbeta[c] - xhat[n,c,s]*dgamma[c])
//
// It panics when the slice lengths do not match n, c, hw.
func BatchNormBackward(n, c, hw int, x, gamma, mean, invstd, dy []float64) (dx, dgamma, dbeta []float64) {
	const op = "BatchNormBackward"
	checkLen(op, "x", len(x), n*c*hw)
	checkLen(op, "gamma", len(gamma), c)
	checkLen(op, "mean", len(mean), c)
	checkLen(op, "invstd", len(invstd), c)
	checkLen(op, "dy", len(dy), n*c*hw)
	m := float64(n * hw)
	dx = make([]float64, len(x))
	dgamma = make([]float64, c)
	dbeta = make([]float64, c)
	for ch := 0; ch < c; ch++ {
		for s := 0; s < n; s++ {
			for i := 0; i < hw; i++ {
				j := (s*c+ch)*hw + i
				dbeta[ch] += dy[j]
				dgamma[ch] += dy[j] * (x[j] - mean[ch]) * invstd[ch]
			}
		}
		k := gamma[ch] * invstd[ch] / m
		for s := 0; s < n; s++ {
			for i := 0; i < hw; i++ {
				j := (s*c+ch)*hw + i
				xhat := (x[j] - mean[ch]) * invstd[ch]
				dx[j] = k * (m*dy[j] - dbeta[ch] - xhat*dgamma[ch])
			}
		}
	}
	return dx, dgamma, dbeta
}

func checkBN(op string, n, c, hw int, x, gamma, beta, runMean, runVar []float64) {
	checkLen(op, "x", len(x), n*c*hw)
	checkLen(op, "gamma", len(gamma), c)
	checkLen(op, "beta", len(beta), c)
	checkLen(op, "runMean", len(runMean), c)
	checkLen(op, "runVar", len(runVar), c)
}
