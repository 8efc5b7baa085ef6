package layers

import (
	"math"
	"testing"

	"github.com/glcnn/glcnn/gpu/gputest"
	"github.com/glcnn/glcnn/layers/ref"
)

// Tolerances for fp32 kernels against the float64 reference.
const (
	tolR = 1e-4
	tolA = 1e-5
)

// refFunc computes, in float64, a layer's output y, input gradient dx and
// parameter gradients (by Param name) for input x, parameters (by Param
// name, including buffers such as running_mean) and output gradient dy.
// It may update buffers in params in place (batch-norm running statistics);
// checkLayer then compares them with the layer's.
type refFunc func(x []float64, params map[string][]float64, dy []float64) (y, dx []float64, grads map[string][]float64)

// layerCase is one run of checkLayer.
type layerCase struct {
	in   []int // per-sample input shape
	n    int   // batch
	mode Mode
	seed int64
	// init overrides the seeded random initial value of named params
	// (say, positive running_var).
	init map[string]func(i int) float64
	// tol loosens the default tolerance for this case (a comment at the
	// call site must say why); zero means the default.
	r, a float64
}

// checkLayer sets l up for batch c.n+1 — the extra sample's slots in every
// output buffer are a canary band — fills inputs, parameters and dy with
// seeded values, runs Forward and Backward, and compares y, dx, every
// gradient and every buffer with want. It checks that the canary band is
// untouched, and that a second Backward adds to the parameter gradients.
func checkLayer(t *testing.T, l Layer, c layerCase, want refFunc) {
	t.Helper()
	d := gputest.Device(t)
	r, a := tolR, tolA
	if c.r != 0 {
		r, a = c.r, c.a
	}
	out, err := l.Setup(d, c.in, c.n+1)
	if err != nil {
		t.Fatalf("Setup(%v): %v", c.in, err)
	}
	defer l.Release()

	params := map[string][]float64{}
	for i, p := range l.Params() {
		v := ref.RandN(c.seed+int64(100+i), p.Value.Len())
		if f := c.init[p.Name]; f != nil {
			for j := range v {
				v[j] = f(j)
			}
		}
		params[p.Name] = v
		p.Value.Buf.Upload(ref.Float32s(v))
		if p.Grad != nil {
			p.Grad.Buf.Fill(0)
		}
	}
	xs := append([]int{c.n}, c.in...)
	x, _ := NewTensor(d, append([]int{c.n + 1}, c.in...)...)
	defer x.Release()
	xv := ref.RandN(c.seed, Numel(xs))
	x.Buf.Upload(ref.Float32s(xv))
	x = x.View(xs...)

	const canary = float32(-12345.5)
	// A first pass finds the layer's output buffer; fill it with the canary
	// and run again from the same parameters.
	y := l.Forward(x, c.mode)
	y.Buf.Fill(canary)
	for _, p := range l.Params() {
		if p.Grad == nil {
			p.Value.Buf.Upload(ref.Float32s(params[p.Name])) // running stats moved
		}
	}
	y = l.Forward(x, c.mode)
	ys := append([]int{c.n}, out...)
	if Numel(y.Shape) != Numel(ys) || y.Shape[0] != c.n {
		t.Fatalf("output shape %v, want %v", y.Shape, ys)
	}
	dyv := ref.RandN(c.seed+7, Numel(ys))
	dy, _ := NewTensor(d, ys...)
	defer dy.Release()
	dy.Buf.Upload(ref.Float32s(dyv))

	wantY, wantDX, wantGrads := want(xv, params, dyv)
	report(t, "y", y.Read(), wantY, r, a)
	checkCanary(t, "y", y.Buf, Numel(ys), canary)
	for _, p := range l.Params() {
		if p.Grad == nil && c.mode.Train {
			report(t, p.Name, p.Value.Read(), params[p.Name], r, a)
		}
	}
	if !c.mode.Train {
		return // eval mode has no backward
	}

	dx := l.Backward(dy, true)
	if dx != nil {
		dx.Buf.Fill(canary)
		for _, p := range l.Params() {
			if p.Grad != nil {
				p.Grad.Buf.Fill(0)
			}
		}
		dx = l.Backward(dy, true)
		report(t, "dx", dx.Read(), wantDX, r, a)
		checkCanary(t, "dx", dx.Buf, Numel(xs), canary)
	}
	for _, p := range l.Params() {
		if p.Grad == nil {
			continue
		}
		report(t, "d"+p.Name, p.Grad.Read(), wantGrads[p.Name], r, a)
	}
	// Gradients accumulate: one more Backward doubles them.
	l.Backward(dy, false)
	for _, p := range l.Params() {
		if p.Grad == nil {
			continue
		}
		twice := make([]float64, len(wantGrads[p.Name]))
		for i, g := range wantGrads[p.Name] {
			twice[i] = 2 * g
		}
		report(t, "2*d"+p.Name+" (accumulated)", p.Grad.Read(), twice, r, a)
	}
}

func report(t *testing.T, what string, got []float32, want []float64, r, a float64) {
	t.Helper()
	if msg := ref.Close(got, want, r, a); msg != "" {
		t.Errorf("%s: %s", what, msg)
	}
}

func checkCanary(t *testing.T, what string, b interface{ Read() []float32 }, n int, canary float32) {
	t.Helper()
	all := b.Read()
	for i := n; i < len(all); i++ {
		if all[i] != canary && !(math.IsNaN(float64(all[i])) && math.IsNaN(float64(canary))) {
			t.Errorf("%s: canary at %d (past %d) overwritten: %v", what, i, n, all[i])
			return
		}
	}
}
