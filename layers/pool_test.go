package layers

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/glcnn/glcnn/gpu/gputest"
	"github.com/glcnn/glcnn/layers/ref"
)

// poolCases are the shapes a 2-D pool's layer is checked on against its
// reference: batch 1, odd sizes, overlapping windows, gaps between
// windows, an uncovered border, kernel 1 and 5, sizes that are not
// multiples of the workgroup.
var poolCases = []struct{ k, s, n, ch, h, w int }{
	{2, 2, 2, 3, 8, 8},
	{2, 2, 1, 1, 5, 7},    // batch 1, odd sizes: last row/column dropped
	{2, 2, 3, 13, 13, 13}, // odd everything
	{3, 2, 2, 3, 13, 13},  // overlapping windows, all inputs covered
	{3, 2, 1, 1, 5, 7},
	{3, 2, 4, 13, 7, 9},
	{3, 2, 4, 13, 8, 10}, // overlapping, last row and column uncovered
	{3, 3, 2, 2, 9, 10},
	{3, 3, 2, 2, 10, 11}, // no overlap, uncovered border: dx 0 there
	{3, 1, 1, 3, 9, 11},  // overlapping, stride 1, batch 1
	{2, 3, 2, 3, 8, 11},  // gaps between windows: dx cleared first
	{1, 1, 2, 3, 5, 7},   // kernel 1
	{5, 1, 2, 1, 7, 6},   // large overlap, stride 1
	{5, 2, 1, 2, 9, 9},
	{3, 2, 3, 5, 17, 19}, // 4845 inputs, 1280 outputs: not multiples of the workgroup
	{2, 1, 3, 3, 28, 28},
}

// checkPoolCases runs checkLayer on the pool newPool makes for each of
// poolCases, against the reference want gives for its shape.
func checkPoolCases(t *testing.T, newPool func(k, stride int) Layer, want func(ref.Pool2DParams) refFunc) {
	t.Helper()
	for _, c := range poolCases {
		t.Run(fmt.Sprintf("k%d_s%d_n%d_c%d_%dx%d", c.k, c.s, c.n, c.ch, c.h, c.w), func(t *testing.T) {
			p := ref.Pool2DParams{N: c.n, C: c.ch, H: c.h, W: c.w, K: c.k, Stride: c.s}
			checkLayer(t, newPool(c.k, c.s), layerCase{in: []int{c.ch, c.h, c.w}, n: c.n, mode: Mode{Train: true}, seed: int64(c.h*100 + c.k)}, want(p))
		})
	}
}

func TestMaxPool2D(t *testing.T) {
	checkPoolCases(t, func(k, stride int) Layer { return NewMaxPool2D(k, stride) }, func(p ref.Pool2DParams) refFunc {
		return func(x []float64, _ map[string][]float64, dy []float64) ([]float64, []float64, map[string][]float64) {
			y, arg := ref.MaxPool2DForward(p, x)
			return y, ref.MaxPool2DBackward(p, arg, dy), nil
		}
	})
}

// TestMaxPool2DTies checks that the first maximum of a window wins, as in
// PyTorch, on an input made of a few repeated values.
func TestMaxPool2DTies(t *testing.T) {
	p := ref.Pool2DParams{N: 2, C: 3, H: 9, W: 11, K: 3, Stride: 2}
	x := ref.RandN(5, p.N*p.C*p.H*p.W)
	for i := range x {
		x[i] = float64(int(x[i] * 2)) // -1, 0, 1: many ties
	}
	l := NewMaxPool2D(p.K, p.Stride)
	runPool(t, l, p, x, nil)
}

// TestGoldenMaxPool2D matches PyTorch's maxpool2d.json (3x3 stride 2,
// overlapping windows): y, the argmax indices, and dx.
func TestGoldenMaxPool2D(t *testing.T) {
	g := goldenFile(t, "maxpool2d.json")
	q := goldenVals(t, g, "params")
	p := ref.Pool2DParams{N: int(q[0]), C: int(q[1]), H: int(q[2]), W: int(q[3]), K: int(q[4]), Stride: int(q[5])}
	runPool(t, NewMaxPool2D(p.K, p.Stride), p, goldenVals(t, g, "x"), g)
}

// runPool runs l on x and compares with the reference, or with golden g
// when it is not nil.
func runPool(t *testing.T, l *MaxPool2D, p ref.Pool2DParams, x []float64, g map[string]ref.Tensor) {
	t.Helper()
	d := gputest.Device(t)
	if _, err := l.Setup(d, []int{p.C, p.H, p.W}, p.N); err != nil {
		t.Fatal(err)
	}
	defer l.Release()
	xt := tensorOf(t, x, p.N, p.C, p.H, p.W)
	defer xt.Release()
	wantY, wantArg := ref.MaxPool2DForward(p, x)
	dyv := ref.RandN(9, len(wantY))
	if g != nil {
		wantY = goldenVals(t, g, "y")
		dyv = goldenVals(t, g, "dy")
		for i, a := range goldenVals(t, g, "argmax") {
			wantArg[i] = int32(a)
		}
	}
	wantDX := ref.MaxPool2DBackward(p, wantArg, dyv)
	if g != nil {
		wantDX = goldenVals(t, g, "dx")
	}
	y := l.Forward(xt, Mode{Train: true})
	report(t, "y", y.Read(), wantY, tolR, tolA)
	for i, a := range l.argmax.Read()[:len(wantArg)] {
		if int32(a) != wantArg[i] {
			t.Fatalf("argmax[%d] = %d, want %d", i, a, wantArg[i])
		}
	}
	dy := tensorOf(t, dyv, y.Shape...)
	defer dy.Release()
	report(t, "dx", l.Backward(dy, true).Read(), wantDX, tolR, tolA)
}

// goldenFile loads a PyTorch golden file of testdata (see
// testdata/README.md).
func goldenFile(t *testing.T, name string) map[string]ref.Tensor {
	t.Helper()
	g, err := ref.LoadGolden(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// goldenVals returns a copy of golden tensor name, failing t when it is absent.
func goldenVals(t *testing.T, g map[string]ref.Tensor, name string) []float64 {
	t.Helper()
	v, ok := g[name]
	if !ok {
		t.Fatalf("golden tensor %q missing", name)
	}
	return append([]float64(nil), v.Data...)
}

// tensorOf makes a tensor of the given shape holding v rounded to float32.
func tensorOf(t *testing.T, v []float64, shape ...int) *Tensor {
	t.Helper()
	x, err := NewTensor(gputest.Device(t), shape...)
	if err != nil {
		t.Fatal(err)
	}
	if Numel(shape) != len(v) {
		t.Fatalf("upload: %d values for shape %v", len(v), shape)
	}
	x.Buf.Upload(ref.Float32s(v))
	return x
}
