package layers

import (
	"fmt"
	"strings"
	"testing"

	"github.com/glcnn/glcnn/gpu"
	"github.com/glcnn/glcnn/gpu/gputest"
	"github.com/glcnn/glcnn/shaders"
)

// The checks every layer, loss head and optimizer must pass, whatever its
// op: costs keyed by its kernels, Release idempotent, no GPU buffer left.
// A new op registered with an Example is covered here with no test of
// its own.

// opInputs are the per-sample inputs an op's example is set up on: (C,H,W)
// for a spatial op, (F) for a flat one, both for one that takes either;
// the first of a few channel counts that the example accepts (a grouped
// conv's groups must divide its input channels).
func opInputs(t *testing.T, op *Op) [][]int {
	t.Helper()
	var ins [][]int
	if op.In != Flat {
		ins = append(ins, acceptedInput(t, op, []int{4, 14, 14}, []int{6, 14, 14}, []int{12, 14, 14}))
	}
	if op.In != Spatial {
		ins = append(ins, acceptedInput(t, op, []int{12}))
	}
	return ins
}

func acceptedInput(t *testing.T, op *Op, candidates ...[]int) []int {
	t.Helper()
	attrs, err := op.Parse(strings.Split(op.Example, ":")[1:])
	if err != nil {
		t.Fatalf("%s: %v", op.Example, err)
	}
	for _, in := range candidates {
		if _, err := op.Shape(attrs, in); err == nil {
			return in
		}
	}
	t.Fatalf("%s takes none of the inputs %v", op.Example, candidates)
	return nil
}

// opVariants are the kernel variants of op, or "" alone.
func opVariants(op *Op) []string {
	if op.Variants == nil {
		return []string{""}
	}
	return op.Variants
}

// newExample builds the layer of op's Example for input in.
func newExample(t *testing.T, op *Op, in []int, variant string) Layer {
	t.Helper()
	f := strings.Split(op.Example, ":")
	attrs, err := op.Parse(f[1:])
	if err != nil {
		t.Fatalf("%s: %v", op.Example, err)
	}
	if _, err := op.Shape(attrs, in); err != nil {
		t.Fatalf("%s on %v: %v", op.Example, in, err)
	}
	return op.New(attrs, Site{Variant: variant, FlatInput: len(in) == 1})
}

// TestEveryOpReleases sets up the example layer of every registered op, in
// every variant and on every input layout it takes, twice over (a second
// Setup must free the first's buffers), runs a training step, checks its
// costs, and releases it twice (and once before Setup): the device must
// hold the buffers it held before.
func TestEveryOpReleases(t *testing.T) {
	d := gputest.Device(t)
	const n = 4
	for _, op := range Ops() {
		for _, in := range opInputs(t, op) {
			for _, v := range opVariants(op) {
				t.Run(fmt.Sprintf("%s/%s/%v", op.ID, v, in), func(t *testing.T) {
					before := d.Stats()
					l := newExample(t, op, in, v)
					l.Release() // before Setup: nothing to free, no panic
					for range 2 {
						if _, err := l.Setup(d, in, n); err != nil {
							t.Fatal(err)
						}
					}
					trainStep(t, d, l, in, n)
					if !op.NoKernels {
						checkCosts(t, op.ID, l, n)
					}
					l.Release()
					l.Release()
					checkNoneLive(t, d, before)
				})
			}
		}
	}
}

// trainStep runs a training-mode Forward and Backward on zeros: some
// layers allocate on first use.
func trainStep(t *testing.T, d *gpu.Device, l Layer, in []int, n int) {
	t.Helper()
	x, err := NewTensor(d, append([]int{n}, in...)...)
	if err != nil {
		t.Fatal(err)
	}
	defer x.Release()
	x.Buf.Fill(0)
	y := l.Forward(x, Mode{Train: true, Seed: 1})
	dy, err := NewTensor(d, y.Shape...)
	if err != nil {
		t.Fatal(err)
	}
	defer dy.Release()
	dy.Buf.Fill(0)
	l.Backward(dy, true)
}

// TestHeadsAndOptimizersRelease: the loss head and both optimizers release
// idempotently, in any order, and keep no buffer.
func TestHeadsAndOptimizersRelease(t *testing.T) {
	d := gputest.Device(t)
	before := d.Stats()
	s, err := NewSoftmaxCrossEntropy(d, 10, 8, 0)
	if err != nil {
		t.Fatal(err)
	}
	checkCostNames(t, "softmax-xent", s.Costs(8))
	s.Release()
	s.Release()
	bn := NewBatchNorm2D()
	if _, err := bn.Setup(d, []int{2, 3, 3}, 2); err != nil {
		t.Fatal(err)
	}
	adam, err := NewAdam(d, bn.Params(), DefaultAdam())
	if err != nil {
		t.Fatal(err)
	}
	sgd, err := NewSGD(d, bn.Params(), SGDConfig{Momentum: 0.9})
	if err != nil {
		t.Fatal(err)
	}
	checkCostNames(t, "adam", adam.Costs())
	checkCostNames(t, "sgd", sgd.Costs())
	for _, o := range []Optimizer{adam, sgd, adam, sgd} {
		o.Release()
	}
	bn.Release()
	checkNoneLive(t, d, before)
}

// checkNoneLive fails the test when the device holds other buffers than
// it did at before.
func checkNoneLive(t *testing.T, d *gpu.Device, before gpu.Stats) {
	t.Helper()
	if after := d.Stats(); after.LiveBuffers != before.LiveBuffers || after.LiveBytes != before.LiveBytes {
		t.Errorf("live buffers %d (%d bytes) after release, %d (%d bytes) before",
			after.LiveBuffers, after.LiveBytes, before.LiveBuffers, before.LiveBytes)
	}
}

// checkCosts checks a layer's costs at batch n: keyed by kernel names,
// positive, and none smaller at batch 2n.
func checkCosts(t *testing.T, what string, l Layer, n int) {
	t.Helper()
	c1, c2 := l.Costs(n), l.Costs(2*n)
	checkCostNames(t, what, c1)
	for k, c := range c1 {
		if d := c2[k]; d.FLOPs < c.FLOPs || d.Bytes < c.Bytes {
			t.Errorf("%s: cost %q at batch %d %+v, at %d %+v: smaller for the larger batch", what, k, 2*n, d, n, c)
		}
	}
}

// checkCostNames checks that costs are keyed by embedded kernel names, and
// that each kernel moves bytes and does no negative arithmetic (a repack
// does none).
func checkCostNames(t *testing.T, what string, costs map[string]Cost) {
	t.Helper()
	if len(costs) == 0 {
		t.Errorf("%s: no costs", what)
	}
	kernels := map[string]bool{}
	for _, n := range shaders.Names() {
		kernels[strings.TrimSuffix(n, ".comp")] = true
	}
	for k, c := range costs {
		if !kernels[k] || c.FLOPs < 0 || c.Bytes <= 0 {
			t.Errorf("%s: cost %q = %+v: not a kernel name, or no bytes, or negative FLOPs", what, k, c)
		}
	}
}
