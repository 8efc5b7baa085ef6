package layers

import (
	"fmt"
	"math"
	"testing"

	"github.com/glcnn/glcnn/gpu/gputest"
	"github.com/glcnn/glcnn/layers/ref"
)

// bnReLUCases are shapes that break the fused kernels' assumptions: batch
// 1, odd planes (V = 1), planes of a multiple of 4 (vec4), samples of a
// multiple of 4 whose planes are not (vec4 across two planes), batches
// that are not a multiple of 4 (the elementwise kernels' last quad of
// samples is short), several stage-1 segments with a short last one,
// BatchNorm1d over (F) and (C,L), and the default network's two batch norms.
var bnReLUCases = []struct {
	in []int
	n  int
}{
	{[]int{3, 5, 7}, 2},
	{[]int{1, 13, 13}, 1},
	{[]int{4, 28, 28}, 8},  // vec4, several segments
	{[]int{2, 17, 17}, 5},  // 1445 values: 6 segments, the last short
	{[]int{16, 14, 14}, 9}, // the default network's first bn
	{[]int{32, 7, 7}, 9},   // and its second
	{[]int{37}, 33},        // BatchNorm1d
	{[]int{5}, 700},        // 1-D over several segments
	{[]int{3, 11}, 4},      // BatchNorm1d over (C, L)
	{[]int{4, 5, 5}, 7},    // vec4 quads that straddle planes (HW = 25)
	{[]int{6, 6}, 6},       // and over (C, L)
	{[]int{4, 3}, 5},       // L < 4: one value per invocation
}

// newBNReLU returns batch norm (2-D or 1-D for in) then ReLU, as a Chain:
// fused by FuseNext, or the two layers apart.
func newBNReLU(t *testing.T, in []int, fuse bool) Chain {
	t.Helper()
	bn := NewBatchNorm2D()
	if len(in) < 3 {
		bn = NewBatchNorm1D()
	}
	r := NewReLU()
	if fuse && !bn.FuseNext(r) {
		t.Fatal("BatchNorm.FuseNext(ReLU) = false")
	}
	return Chain{bn, r}
}

// bnReLURef is the composition of the references: ReLU after batch norm,
// and batch norm's backward of the ReLU's input gradient.
func bnReLURef(n, c, hw int, train bool) refFunc {
	return func(x []float64, p map[string][]float64, dy []float64) ([]float64, []float64, map[string][]float64) {
		g, b, rm, rv := p["weight"], p["bias"], p["running_mean"], p["running_var"]
		if !train {
			return ref.ReLUForward(ref.BatchNormForwardEval(n, c, hw, x, g, b, rm, rv, BNEps)), nil, nil
		}
		y, mean, invstd := ref.BatchNormForwardTrain(n, c, hw, x, g, b, rm, rv, BNMomentum, BNEps)
		dx, dg, db := ref.BatchNormBackward(n, c, hw, x, g, mean, invstd, ref.ReLUBackward(y, dy))
		return ref.ReLUForward(y), dx, map[string][]float64{"weight": dg, "bias": db}
	}
}

// TestBatchNormReLUFused checks the fused kernels (batchnorm_relu_*)
// against the composition of the batch-norm and ReLU references, as
// TestBatchNorm checks the plain ones.
func TestBatchNormReLUFused(t *testing.T) {
	for _, c := range bnReLUCases {
		for _, train := range []bool{true, false} {
			t.Run(fmt.Sprintf("%v_n%d_train=%v", c.in, c.n, train), func(t *testing.T) {
				l := newBNReLU(t, c.in, true)
				checkLayer(t, l, layerCase{in: c.in, n: c.n, mode: Mode{Train: train}, seed: int64(c.n*37 + len(c.in)), init: positiveVar},
					bnReLURef(c.n, c.in[0], Numel(c.in[1:]), train))
			})
		}
	}
}

// TestBatchNormReLUFusedBits checks that the fused pair computes exactly
// what batch norm and ReLU compute apart: y, dx, dγ, dβ, the running
// statistics and the eval-mode y, bit for bit.
func TestBatchNormReLUFusedBits(t *testing.T) {
	for i, c := range bnReLUCases {
		t.Run(fmt.Sprintf("%v_n%d", c.in, c.n), func(t *testing.T) {
			seed := int64(500 + 10*i)
			apart := runBNReLU(t, newBNReLU(t, c.in, false), c.in, c.n, seed)
			fused := runBNReLU(t, newBNReLU(t, c.in, true), c.in, c.n, seed)
			for _, name := range []string{"y", "dx", "dweight", "dbias", "running_mean", "running_var", "y_eval"} {
				a, f := apart[name], fused[name]
				if len(a) != len(f) || len(a) == 0 {
					t.Fatalf("%s: %d values apart, %d fused", name, len(a), len(f))
				}
				bad := 0
				for j := range a {
					if math.Float32bits(a[j]) != math.Float32bits(f[j]) {
						if bad < 5 {
							t.Errorf("%s[%d]: %g (%08x) apart, %g (%08x) fused", name, j, a[j], math.Float32bits(a[j]), f[j], math.Float32bits(f[j]))
						}
						bad++
					}
				}
				if bad > 0 {
					t.Errorf("%s: %d of %d values differ", name, bad, len(a))
				}
			}
		})
	}
}

// runBNReLU runs l (batch norm then ReLU) at batch n on seeded parameters,
// input and output gradient: one training step and an eval forward; it
// returns every output by name.
func runBNReLU(t *testing.T, l Chain, in []int, n int, seed int64) map[string][]float32 {
	t.Helper()
	d := gputest.Device(t)
	if _, err := l.Setup(d, in, n); err != nil {
		t.Fatal(err)
	}
	defer l.Release()
	for i, p := range l.Params() {
		v := ref.RandN(seed+int64(i), p.Value.Len())
		if p.Name == "running_var" {
			for j := range v {
				v[j] = 1 + v[j]*v[j]
			}
		}
		p.Value.Buf.Upload(ref.Float32s(v))
		if p.Grad != nil {
			p.Grad.Buf.Upload(ref.Float32s(ref.RandN(seed+int64(10+i), p.Grad.Len())))
		}
	}
	shape := append([]int{n}, in...)
	x := tensorOf(t, ref.RandN(seed+20, Numel(shape)), shape...)
	defer x.Release()
	dy := tensorOf(t, ref.RandN(seed+21, Numel(shape)), shape...)
	defer dy.Release()
	out := map[string][]float32{}
	out["y"] = l.Forward(x, Mode{Train: true}).Read()
	out["dx"] = l.Backward(dy, true).Read()
	for _, p := range l.Params() {
		if p.Grad != nil {
			out["d"+p.Name] = p.Grad.Read()
		} else {
			out[p.Name] = p.Value.Read()
		}
	}
	out["y_eval"] = l.Forward(x, Mode{}).Read()
	return out
}

// TestBatchNormReLUView checks the fused ReLU: no buffers, no kernels, its
// input back from Forward and its output gradient back from Backward; and
// that batch norm fuses nothing but a ReLU, and nothing once set up.
func TestBatchNormReLUView(t *testing.T) {
	d := gputest.Device(t)
	l := newBNReLU(t, []int{3, 4, 4}, true)
	before := d.Stats().LiveBuffers
	r := l[1].(*ReLU)
	if _, err := r.Setup(d, []int{3, 4, 4}, 2); err != nil {
		t.Fatal(err)
	}
	defer r.Release()
	if got := d.Stats().LiveBuffers; got != before {
		t.Errorf("a fused ReLU allocated %d buffers", got-before)
	}
	if len(r.Costs(2)) != 0 {
		t.Errorf("a fused ReLU has kernels: %v", r.Costs(2))
	}
	x := tensorOf(t, ref.RandN(1, 2*48), 2, 3, 4, 4)
	defer x.Release()
	dispatches := d.Stats().Dispatches
	if y := r.Forward(x, Mode{Train: true}); y != x {
		t.Errorf("Forward returned %v, not its input", y)
	}
	if dx := r.Backward(x, true); dx != x {
		t.Errorf("Backward returned %v, not dy", dx)
	}
	if s := d.Stats(); s.Dispatches != dispatches {
		t.Errorf("a fused ReLU ran %d kernels", s.Dispatches-dispatches)
	}
	if NewBatchNorm2D().FuseNext(NewLeakyReLU(0.1)) {
		t.Error("batch norm fused a leaky ReLU")
	}
	bn := l[0].(*BatchNorm)
	if bn.FuseNext(NewReLU()) {
		t.Error("batch norm fused a second ReLU")
	}
	defer func() {
		if recover() == nil {
			t.Error("FuseNext after Setup did not panic")
		}
	}()
	set := NewBatchNorm2D()
	if _, err := set.Setup(d, []int{3, 4, 4}, 2); err != nil {
		t.Fatal(err)
	}
	defer set.Release()
	set.FuseNext(NewReLU())
}
