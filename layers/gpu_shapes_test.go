package layers

import (
	"fmt"
	"math"
	"reflect"
	"testing"

	"github.com/glcnn/glcnn/gpu/gputest"
	"github.com/glcnn/glcnn/layers/ref"
)

// TestGPUShapes runs, on any driver, the configurations the layers choose
// on a GPU (tuning.gpuShapes): the blocked and vec kernels in workgroups
// of 64 instead of 16, and the vec conv weight gradient in the GPU's
// batch slices. Those are the only GPU-specific paths: the direct and
// scalar kernels run the same programs on every device, and the workgroup
// size changes no kernel's indexing (each reads gl_GlobalInvocationID.x
// and the workgroup's y), only how many invocations past the end a
// dispatch launches. So, rather than every case of TestConv2D and
// TestLinear again (each a program of its own to compile, ~0.5-2 s on
// llvmpipe), it runs the cases that reach each kernel and each of its
// switches (stride 1 or not, bias, kernel-column block, dy vector width,
// channel blocks of 4 and 8, weights in a uniform block or a storage
// buffer, one or several dw slices) at workgroup 64, on the shapes that
// break assumptions: batch 1, odd sizes, sizes that are not multiples of
// 64, stride 2, padding 0 and 2, kernel 1 and 5.
func TestGPUShapes(t *testing.T) {
	gpu := tuning{gpuShapes: true}
	for _, cc := range []convCase{
		{n: 1, c: 1, h: 5, w: 7, outC: 1, k: 3, stride: 1, pad: 1, bias: true},    // batch 1, 5x7, stride 1
		{n: 2, c: 3, h: 13, w: 13, outC: 5, k: 1, stride: 1, pad: 0, bias: true},  // kernel 1, padding 0, dy read as floats
		{n: 1, c: 3, h: 13, w: 13, outC: 9, k: 3, stride: 2, pad: 0, bias: false}, // batch 1, stride 2, no bias, dy as vec2
		{n: 3, c: 2, h: 13, w: 11, outC: 17, k: 5, stride: 2, pad: 2, bias: true}, // kernel 5, padding 2, two blocks of 16 channels
		{n: 2, c: 3, h: 9, w: 15, outC: 5, k: 3, stride: 2, pad: 1, bias: true},   // stride 2, output rows of 8: dy as vec4
		slicedCase, // several dw slices
	} {
		t.Run("conv/blocked/"+cc.String(), func(t *testing.T) {
			checkConv(t, cc.layer(VariantBlocked, gpu), cc, caseSeed(t, convCases, cc, 0, 10))
		})
	}
	// Vec: the GPU's slices on the trainer's 28x28 (one sample per slice),
	// rows of 6 floats with the weights in a uniform block, and 17 input
	// channels (two blocks) from a storage buffer.
	for _, c := range []struct {
		cc   convCase
		tune tuning
	}{
		{slicedCase, gpu},
		{convCase{n: 2, c: 2, h: 2, w: 6, outC: 9, k: 3, stride: 1, pad: 1, bias: true}, gpu},
		{convCase{n: 2, c: 17, h: 4, w: 4, outC: 3, k: 3, stride: 1, pad: 1}, tuning{gpuShapes: true, storageWeights: true}},
	} {
		t.Run("conv/vec/"+c.cc.String(), func(t *testing.T) {
			checkVec(t, c.cc, c.tune, caseSeed(t, append(vecCases, slicedCase), c.cc, 0, 7))
		})
	}
	// Linear's vec kernels (the blocked variant at In % 4 == 0): batch 1
	// with Out % 4 != 0; In/4 odd (a partial vec4 column block) with
	// Out % 4 == 0 (dy read as vec4); no bias and a batch of 300 in slices
	// of 64 (reduce_slices adds them).
	for _, c := range []struct {
		lc    linearCase
		slice int
	}{
		{linearCase{[]int{8}, 1, 6, true}, 0},
		{linearCase{[]int{44}, 7, 20, true}, 0},
		{linearCase{[]int{20}, 300, 9, false}, 64},
	} {
		t.Run(fmt.Sprintf("linear/vec/%s_slice%d", c.lc, c.slice), func(t *testing.T) {
			l := NewLinear(c.lc.out, c.lc.bias)
			l.Variant, l.tune = VariantBlocked, tuning{gpuShapes: true, linearSlice: c.slice}
			checkLinear(t, l, c.lc, caseSeed(t, linearCases, c.lc, 1000, 1))
			if l.kernels != VariantVec {
				t.Errorf("kernels %s, want vec", l.kernels)
			}
		})
	}
}

// caseSeed is the seed the case's own test gives c, the i-th of cases:
// base + step*i. TestGPUShapes runs its cases on the same data, so that
// a difference from their pass at workgroup 16 is the workgroup's doing.
func caseSeed[C any](t *testing.T, cases []C, c C, base, step int64) int64 {
	t.Helper()
	for i, ci := range cases {
		if reflect.DeepEqual(ci, c) {
			return base + step*int64(i)
		}
	}
	t.Fatalf("case %v is not among its test's cases", c)
	return 0
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
		l := cc.layer(VariantBlocked, tuning{gpuShapes: gpuShapes})
		out, err := l.Setup(d, []int{cc.c, cc.h, cc.w}, cc.n)
		if err != nil {
			t.Fatal(err)
		}
		defer l.Release()
		if got := l.tune.blockedWG(d); gpuShapes && got != 64 || !gpuShapes && d.Info().Software && got != 16 {
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
