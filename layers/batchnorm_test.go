package layers

import (
	"fmt"
	"testing"

	"github.com/glcnn/glcnn/gpu/gputest"
	"github.com/glcnn/glcnn/layers/ref"
)

// positiveVar keeps the seeded running_var in (0.5, 1.5).
var positiveVar = map[string]func(int) float64{
	"running_var": func(i int) float64 { return 1 + 0.5*ref.RandN(int64(77+i), 1)[0] },
}

// bnRef is the float64 reference of a BatchNorm over (N, C, HW).
func bnRef(n, c, hw int, train bool) refFunc {
	return func(x []float64, p map[string][]float64, dy []float64) ([]float64, []float64, map[string][]float64) {
		g, b, rm, rv := p["weight"], p["bias"], p["running_mean"], p["running_var"]
		if !train {
			return ref.BatchNormForwardEval(n, c, hw, x, g, b, rm, rv, BNEps), nil, nil
		}
		y, mean, invstd := ref.BatchNormForwardTrain(n, c, hw, x, g, b, rm, rv, BNMomentum, BNEps)
		dx, dg, db := ref.BatchNormBackward(n, c, hw, x, g, mean, invstd, dy)
		return y, dx, map[string][]float64{"weight": dg, "bias": db}
	}
}

func TestBatchNorm(t *testing.T) {
	for _, c := range []struct {
		in []int
		n  int
	}{
		{[]int{3, 5, 7}, 2},
		{[]int{1, 13, 13}, 1},
		{[]int{13, 5, 7}, 3},
		{[]int{4, 28, 28}, 8},   // the article's first BN: several segments
		{[]int{3, 16, 16}, 1},   // exactly one full segment of 256
		{[]int{2, 17, 17}, 5},   // 1445 values: 6 segments, the last short
		{[]int{13, 28, 28}, 40}, // 31360 values per channel: 123 segments
		{[]int{10}, 2},          // BatchNorm1d: per feature over N
		{[]int{37}, 33},
		{[]int{5}, 700},     // 1-D over several segments
		{[]int{3, 11}, 4},   // BatchNorm1d over (C, L)
		{[]int{4, 5, 5}, 7}, // vec4 elementwise quads across two planes
		{[]int{6, 6}, 6},
	} {
		for _, train := range []bool{true, false} {
			name := fmt.Sprintf("%v_n%d_train=%v", c.in, c.n, train)
			t.Run(name, func(t *testing.T) {
				l := NewBatchNorm2D()
				if len(c.in) < 3 {
					l = NewBatchNorm1D()
				}
				checkLayer(t, l, layerCase{in: c.in, n: c.n, mode: Mode{Train: train}, seed: int64(c.n*31 + len(c.in)), init: positiveVar},
					bnRef(c.n, c.in[0], Numel(c.in[1:]), train))
			})
		}
	}
}

// TestBatchNormOffset feeds values with a large mean and a small spread,
// where a one-pass variance without a shift would cancel catastrophically.
func TestBatchNormOffset(t *testing.T) {
	d := gputest.Device(t)
	const n, c, hw = 6, 3, 300
	l := NewBatchNorm2D()
	if _, err := l.Setup(d, []int{c, 15, 20}, n); err != nil {
		t.Fatal(err)
	}
	defer l.Release()
	x := ref.RandN(3, n*c*hw)
	for i := range x {
		x[i] = float64(float32(100 + 0.01*x[i]))
	}
	xt := tensorOf(t, x, n, c, 15, 20)
	defer xt.Release()
	rm, rv := make([]float64, c), []float64{1, 1, 1}
	g, b := []float64{1, 1, 1}, make([]float64, c)
	want, _, _ := ref.BatchNormForwardTrain(n, c, hw, x, g, b, rm, rv, BNMomentum, BNEps)
	// The variance (checked through running_var at the default tolerance)
	// must not cancel. y is looser: the batch mean, held in float32 near
	// 100, carries a rounding of up to 3.8e-6, which is 6.5e-4 of the
	// spread (std 0.0058) — as in any float32 implementation, PyTorch's too.
	report(t, "y", l.Forward(xt, Mode{Train: true}).Read(), want, 1e-3, 1e-3)
	report(t, "running_var", l.Params()[3].Value.Read(), rv, tolR, tolA)
	report(t, "running_mean", l.Params()[2].Value.Read(), rm, tolR, tolA)
	if l.NumBatchesTracked != 1 {
		t.Errorf("NumBatchesTracked = %d, want 1", l.NumBatchesTracked)
	}
}

// TestGoldenBatchNorm2D matches PyTorch's batchnorm2d.json: training-mode
// y, dx, dγ, dβ, the updated running statistics, and the eval-mode output
// with them.
func TestGoldenBatchNorm2D(t *testing.T) {
	d := gputest.Device(t)
	g := goldenFile(t, "batchnorm2d.json")
	q := goldenVals(t, g, "params")
	n, c, hw := int(q[0]), int(q[1]), int(q[2])
	if q[3] != BNMomentum || q[4] != BNEps {
		t.Fatalf("golden momentum %v eps %v", q[3], q[4])
	}
	l := NewBatchNorm2D()
	if _, err := l.Setup(d, []int{c, 5, 5}, n); err != nil {
		t.Fatal(err)
	}
	defer l.Release()
	for i, k := range []string{"gamma", "beta", "running_mean.before", "running_var.before"} {
		l.Params()[i].Value.Buf.Upload(ref.Float32s(goldenVals(t, g, k)))
	}
	x := tensorOf(t, goldenVals(t, g, "x"), n, c, 5, 5)
	defer x.Release()
	dy := tensorOf(t, goldenVals(t, g, "dy"), n, c, 5, 5)
	defer dy.Release()
	if hw != 25 {
		t.Fatalf("golden HW %d", hw)
	}
	report(t, "y", l.Forward(x, Mode{Train: true}).Read(), goldenVals(t, g, "y"), tolR, tolA)
	report(t, "dx", l.Backward(dy, true).Read(), goldenVals(t, g, "dx"), tolR, tolA)
	report(t, "dgamma", l.Params()[0].Grad.Read(), goldenVals(t, g, "dgamma"), tolR, tolA)
	report(t, "dbeta", l.Params()[1].Grad.Read(), goldenVals(t, g, "dbeta"), tolR, tolA)
	report(t, "running_mean", l.Params()[2].Value.Read(), goldenVals(t, g, "running_mean.after"), tolR, tolA)
	report(t, "running_var", l.Params()[3].Value.Read(), goldenVals(t, g, "running_var.after"), tolR, tolA)
	report(t, "y_eval", l.Forward(x, Mode{}).Read(), goldenVals(t, g, "y_eval"), tolR, tolA)
}

func TestBatchNormSetupErrors(t *testing.T) {
	d := gputest.Device(t)
	if _, err := NewBatchNorm2D().Setup(d, []int{10}, 4); err == nil {
		t.Error("BatchNorm2d on (F): no error")
	}
	if _, err := NewBatchNorm1D().Setup(d, []int{3, 4, 5}, 4); err == nil {
		t.Error("BatchNorm1d on (C,H,W): no error")
	}
}
