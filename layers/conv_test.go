package layers

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/glcnn/glcnn/gpu"
	"github.com/glcnn/glcnn/gpu/gputest"
	"github.com/glcnn/glcnn/layers/ref"
)

var variants = []Variant{VariantDirect, VariantBlocked}

// convVariants are the Conv2D variants; vec and winograd fall back to
// blocked kernels for shapes they do not handle.
var convVariants = []Variant{VariantDirect, VariantBlocked, VariantVec, VariantWinograd}

// convCase is one convolution shape: input (c,h,w), batch n, outC output
// channels, a k x k kernel (kw overrides the width when non-zero).
type convCase struct {
	n, c, h, w, outC, k, kw, stride, pad int
	bias                                 bool
	absTol                               float64 // 0: the default A
}

func (cc convCase) String() string {
	return fmt.Sprintf("n%d_c%d_%dx%d_k%d_%dx%d_s%d_p%d_bias%v", cc.n, cc.c, cc.h, cc.w, cc.outC, cc.k, cc.kernelW(), cc.stride, cc.pad, cc.bias)
}

// slicedCase has enough pixels for several dw slices in the blocked variant.
var slicedCase = convCase{n: 7, c: 3, h: 28, w: 28, outC: 10, k: 3, stride: 1, pad: 1, bias: true}

var convCases = []convCase{
	{n: 1, c: 1, h: 5, w: 7, outC: 1, k: 3, stride: 1, pad: 1, bias: true},
	{n: 2, c: 3, h: 13, w: 13, outC: 13, k: 3, stride: 1, pad: 1, bias: false},
	{n: 3, c: 13, h: 5, w: 7, outC: 3, k: 5, stride: 1, pad: 2, bias: true},
	{n: 2, c: 3, h: 13, w: 13, outC: 5, k: 1, stride: 1, pad: 0, bias: true},
	{n: 1, c: 3, h: 13, w: 13, outC: 9, k: 3, stride: 2, pad: 0, bias: false},
	{n: 3, c: 2, h: 13, w: 11, outC: 17, k: 5, stride: 2, pad: 2, bias: true},
	{n: 2, c: 1, h: 5, w: 7, outC: 4, k: 3, kw: 5, stride: 2, pad: 1, bias: true},
	{n: 5, c: 13, h: 7, w: 5, outC: 13, k: 1, stride: 2, pad: 1, bias: false}, // padding larger than needed
	{n: 1, c: 3, h: 3, w: 3, outC: 2, k: 5, stride: 1, pad: 1, bias: true},    // kernel larger than the image
	{n: 2, c: 3, h: 9, w: 15, outC: 5, k: 3, stride: 2, pad: 1, bias: true},   // OW = 8: vec4 dy, stride 2
	{n: 2, c: 3, h: 6, w: 6, outC: 5, k: 3, stride: 1, pad: 1, bias: false},   // OW = 6: vec2 dy, stride 1
	slicedCase,
	// 90*784 = 70560 output pixels per channel: more than the 65535 loop
	// iterations llvmpipe lets one invocation run, so every dw and db sum
	// must be split across invocations (a truncated sum is off by O(1)).
	// A float32 sum of 70560 products of U(-1,1) values wanders to ~90 in
	// magnitude, so its rounding error reaches ~eps*sqrt(M)*90 = 1.4e-3:
	// that is the absolute tolerance of this case.
	{n: 90, c: 1, h: 28, w: 28, outC: 4, k: 3, stride: 1, pad: 1, bias: true, absTol: 1.4e-3},
}

func TestConv2D(t *testing.T) {
	for _, v := range convVariants {
		for i, cc := range convCases {
			t.Run(string(v)+"/"+cc.String(), func(t *testing.T) {
				checkConv(t, cc.layer(v, tuning{}), cc, int64(10*i))
			})
		}
	}
}

// layer returns the case's Conv2D with variant v and tuning tune.
func (cc convCase) layer(v Variant, tune tuning) *Conv2D {
	l := NewConv2D(cc.outC, cc.k, cc.kernelW(), cc.stride, cc.pad, cc.bias)
	l.Variant, l.tune = v, tune
	return l
}

func (cc convCase) kernelW() int {
	if cc.kw == 0 {
		return cc.k
	}
	return cc.kw
}

// checkConv runs checkLayer on l, set up for the case, against the float64
// reference; l may be wrapped (vecProbe).
func checkConv(t *testing.T, l Layer, cc convCase, seed int64) {
	t.Helper()
	p := ref.Conv2DParams{N: cc.n, C: cc.c, H: cc.h, W: cc.w, K: cc.outC, KH: cc.k, KW: cc.kernelW(), Stride: cc.stride, Pad: cc.pad}
	lc := layerCase{in: []int{cc.c, cc.h, cc.w}, n: cc.n, mode: Mode{Train: true}, seed: seed}
	if cc.absTol != 0 {
		lc.r, lc.a = tolR, cc.absTol
	}
	checkLayer(t, l, lc, convRef(p, cc.bias))
}

// vecCases are shapes the vec kernels take (stride 1, 3x3, pad 1, a
// multiple of 4 pixels per plane): odd channel counts, several channel
// blocks, rows of 4, 6 and 14 floats (window misalignments 1 and 3).
var vecCases = []convCase{
	{n: 3, c: 5, h: 14, w: 14, outC: 19, k: 3, stride: 1, pad: 1, bias: true},
	{n: 2, c: 17, h: 4, w: 4, outC: 3, k: 3, stride: 1, pad: 1, bias: false},
	{n: 2, c: 2, h: 2, w: 6, outC: 9, k: 3, stride: 1, pad: 1, bias: true},
	{n: 2, c: 1, h: 5, w: 4, outC: 1, k: 3, stride: 1, pad: 1, bias: false},
}

// vecModes are the ways the vec kernels run: the packed weights in a
// uniform block or in a storage buffer (the fallback for weights beyond
// GL_MAX_UNIFORM_BLOCK_SIZE), the weight gradient in as many batch slices
// as the case allows or in one.
var vecModes = []struct {
	name string
	tune tuning
}{
	{"ubo/slices", tuning{vecInvocations: 512}},
	{"ssbo/slices", tuning{storageWeights: true, vecInvocations: 512}},
	{"ubo/one_slice", tuning{vecInvocations: 1}},
	{"ssbo/one_slice", tuning{storageWeights: true, vecInvocations: 1}},
}

// TestConv2DVec runs the vec kernels on their own shapes in every mode.
// Each storage-buffer mode compiles two more kernels per shape, so it runs
// on the shapes that cover what the weights' binding can change: a forward
// and an input-gradient channel block of 4 and of 8, with and without bias
// (the other shapes differ from these in how they read x and dy, which the
// binding does not touch).
func TestConv2DVec(t *testing.T) {
	for _, m := range vecModes {
		for i, cc := range append(vecCases, slicedCase) {
			if m.tune.storageWeights && !ssboShape(cc) {
				continue
			}
			t.Run(m.name+"/"+cc.String(), func(t *testing.T) {
				checkVec(t, cc, m.tune, int64(7*i))
			})
		}
	}
}

// ssboShape reports whether TestConv2DVec runs case cc with the weights
// in a storage buffer: 14x14 (blocks 8 and 8, bias), 4x4 (4 and 8, no
// bias) and the sliced case (8 and 4, bias).
func ssboShape(cc convCase) bool { return cc.h*cc.w == 196 || cc.h*cc.w == 16 || cc == slicedCase }

// checkVec checks case cc on the vec kernels with tuning tune, and that
// the weights are bound and the weight gradient sliced as tune asks.
func checkVec(t *testing.T, cc convCase, tune tuning, seed int64) {
	t.Helper()
	one := tune.vecInvocations == 1
	checkConv(t, &vecProbe{Conv2D: cc.layer(VariantVec, tune), t: t, ubo: !tune.storageWeights, one: &one}, cc, seed)
}

// vecProbe checks after Setup that the vec kernels and the intended
// weight binding and slicing are in use (one: nil for any slicing).
type vecProbe struct {
	*Conv2D
	t   *testing.T
	ubo bool
	one *bool
}

func (v *vecProbe) Setup(d *gpu.Device, in []int, n int) ([]int, error) {
	out, err := v.Conv2D.Setup(d, in, n)
	if err == nil {
		one := v.slices(n) == 1
		if v.kernels != VariantVec || v.uboF != v.ubo || v.uboD != v.ubo || v.one != nil && one != *v.one {
			v.t.Errorf("kernels %s, uniform blocks %v %v, %d slices; want vec, %v, one slice %v", v.kernels, v.uboF, v.uboD, v.slices(n), v.ubo, v.one)
		}
	}
	return out, err
}

func convRef(p ref.Conv2DParams, bias bool) refFunc {
	return func(x []float64, params map[string][]float64, dy []float64) ([]float64, []float64, map[string][]float64) {
		y := ref.Conv2DForward(p, x, params["weight"], params["bias"])
		dx, dw, db := ref.Conv2DBackward(p, x, params["weight"], dy)
		grads := map[string][]float64{"weight": dw}
		if bias {
			grads["bias"] = db
		}
		return y, dx, grads
	}
}

func TestConv2DSetupErrors(t *testing.T) {
	d := gputest.Device(t)
	for _, c := range []struct {
		l  *Conv2D
		in []int
	}{
		{NewConv2D(4, 5, 5, 1, 0, false), []int{1, 4, 9}}, // kernel taller than the input
		{NewConv2D(4, 3, 3, 1, 0, false), []int{4, 4}},    // not C,H,W
		{&Conv2D{OutC: 2, KH: 1, KW: 1, Stride: 1, Variant: "fft"}, []int{1, 2, 2}},
	} {
		if _, err := c.l.Setup(d, c.in, 2); err == nil {
			t.Errorf("Setup(%+v, %v): no error", c.l, c.in)
			c.l.Release()
		}
	}
}

// TestConv2DGolden matches PyTorch's float64 numbers on float32-exact
// inputs (layers/testdata/conv2d.json).
func TestConv2DGolden(t *testing.T) {
	g, err := ref.LoadGolden(filepath.Join("testdata", "conv2d.json"))
	if err != nil {
		t.Fatal(err)
	}
	pr := g["params"].Data // N C H W K KH KW Stride Pad
	n, c, h, w, k := int(pr[0]), int(pr[1]), int(pr[2]), int(pr[3]), int(pr[4])
	d := gputest.Device(t)
	for _, v := range convVariants {
		t.Run(string(v), func(t *testing.T) {
			l := NewConv2D(k, int(pr[5]), int(pr[6]), int(pr[7]), int(pr[8]), true)
			l.Variant = v
			if _, err := l.Setup(d, []int{c, h, w}, n); err != nil {
				t.Fatal(err)
			}
			defer l.Release()
			l.weight.Value.Buf.Upload(ref.Float32s(g["w"].Data))
			l.bias.Value.Buf.Upload(ref.Float32s(g["b"].Data))
			x, _ := NewTensor(d, n, c, h, w)
			defer x.Release()
			x.Buf.Upload(ref.Float32s(g["x"].Data))
			dy, _ := NewTensor(d, g["dy"].Shape...)
			defer dy.Release()
			dy.Buf.Upload(ref.Float32s(g["dy"].Data))

			report(t, "y", l.Forward(x, Mode{Train: true}).Read(), g["y"].Data, tolR, tolA)
			report(t, "dx", l.Backward(dy, true).Read(), g["dx"].Data, tolR, tolA)
			report(t, "dw", l.weight.Grad.Read(), g["dw"].Data, tolR, tolA)
			report(t, "db", l.bias.Grad.Read(), g["db"].Data, tolR, tolA)
		})
	}
}

func TestConv2DCosts(t *testing.T) {
	d := gputest.Device(t)
	l := NewConv2D(32, 3, 3, 1, 1, true)
	l.Variant = VariantDirect
	if _, err := l.Setup(d, []int{16, 14, 14}, 4); err != nil {
		t.Fatal(err)
	}
	defer l.Release()
	c := l.Costs(2)
	macs := int64(2 * 32 * 14 * 14 * 16 * 9)
	if c["conv2d_fwd"].FLOPs != 2*macs+2*32*14*14 || c["conv2d_bwd_data"].FLOPs != 2*macs || c["conv2d_bwd_filter"].FLOPs != 2*macs {
		t.Errorf("FLOPs: %+v", c)
	}
	if c["conv2d_bwd_data"].Bytes != 4*(2*32*196+32*144+2*16*196) || c["bias_bwd"].Bytes != 4*(2*32*196+64) {
		t.Errorf("Bytes: %+v", c)
	}
}

// TestConv2DVecSliceBound: however few invocations the vec weight gradient
// aims at, no invocation sums more than convMaxSlicePixels output pixels
// (llvmpipe truncates longer loops), and the result still matches.
func TestConv2DVecSliceBound(t *testing.T) {
	cc := convCases[len(convCases)-1] // 90 x 28x28: 70560 pixels per channel
	l := cc.layer(VariantVec, tuning{vecInvocations: 1})
	checkConv(t, l, cc, 5)
	if ns := l.slices(cc.n); ns*convMaxSlicePixels < cc.n*cc.h*cc.w {
		t.Errorf("%d slices of at most %d pixels cannot cover %d", ns, convMaxSlicePixels, cc.n*cc.h*cc.w)
	}
}
