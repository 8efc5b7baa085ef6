package layers

import (
	"math"
	"testing"

	"github.com/glcnn/glcnn/gpu/gputest"
	"github.com/glcnn/glcnn/layers/ref"
)

// TestGPUShapes runs the conv and linear tests with the workgroup sizes
// and slice counts the layers choose on a GPU (64-invocation blocked
// kernels, more dw slices), which the CPU drivers of CI would otherwise
// never run.
func TestGPUShapes(t *testing.T) {
	old := forceGPUShapes
	forceGPUShapes = true
	defer func() { forceGPUShapes = old }()
	t.Run("conv", TestConv2D)
	t.Run("conv_vec", TestConv2DVec)
	t.Run("linear", TestLinear)
	t.Run("linear_slices", TestLinearSlices)
}

// TestWorkgroupSizeInvariance: each output of the blocked conv kernels is
// computed by one invocation in a fixed order, so the workgroup size —
// how invocations are grouped and in which order groups run — must not
// change a single bit of y, dx, dw or db. A kernel that accumulated with
// atomics, or read another workgroup's output, would fail here.
func TestWorkgroupSizeInvariance(t *testing.T) {
	d := gputest.Device(t)
	cc := slicedCase
	run := func(gpuShapes bool) [][]float32 {
		old := forceGPUShapes
		forceGPUShapes = gpuShapes
		defer func() { forceGPUShapes = old }()
		l := NewConv2D(cc.outC, cc.k, cc.k, cc.stride, cc.pad, cc.bias)
		l.Variant = VariantBlocked
		out, err := l.Setup(d, []int{cc.c, cc.h, cc.w}, cc.n)
		if err != nil {
			t.Fatal(err)
		}
		defer l.Release()
		if got := blockedWG(d); gpuShapes && got != 64 || !gpuShapes && d.Info().Software && got != 16 {
			t.Fatalf("blocked workgroup %d with GPU shapes %v", got, gpuShapes)
		}
		for i, p := range l.Params() {
			p.Value.Buf.Upload(ref.Float32s(ref.RandN(int64(200+i), p.Value.Len())))
			p.Grad.Buf.Fill(0)
		}
		x, _ := NewTensor(d, cc.n, cc.c, cc.h, cc.w)
		dy, _ := NewTensor(d, append([]int{cc.n}, out...)...)
		defer x.Release()
		defer dy.Release()
		x.Buf.Upload(ref.Float32s(ref.RandN(1, x.Buf.Len())))
		dy.Buf.Upload(ref.Float32s(ref.RandN(2, dy.Buf.Len())))
		res := [][]float32{l.Forward(x, Mode{Train: true}).Read(), l.Backward(dy, true).Read()}
		for _, p := range l.Params() {
			res = append(res, p.Grad.Read())
		}
		return res
	}
	a, b := run(false), run(true)
	names := []string{"y", "dx", "dw", "db"}
	for i := range a {
		for j := range a[i] {
			if math.Float32bits(a[i][j]) != math.Float32bits(b[i][j]) {
				t.Fatalf("%s: %s[%d] = %v with the CPU workgroup size, %v with the GPU one", d.Info().Renderer, names[i], j, a[i][j], b[i][j])
			}
		}
	}
}
