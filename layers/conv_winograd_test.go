package layers

import (
	"math"
	"testing"

	"github.com/glcnn/glcnn/gpu"
	"github.com/glcnn/glcnn/gpu/gputest"
	"github.com/glcnn/glcnn/layers/ref"
)

// winogradCases are shapes the Winograd kernels take (3x3, stride 1, pad
// 0 to 2) that break the tiling's assumptions: batch 1, planes not
// multiples of the 2x2 tile nor of the 4-column tile pair, planes whose
// size is not a multiple of 4 (vec4 loads at every misalignment, a
// partial last vec4), channel counts that are not multiples of 4 and more
// than one channel block, pad 0 and 2 (the input gradient's pad 2 and 0),
// and the default network's convs.
var winogradCases = []convCase{
	{n: 1, c: 1, h: 5, w: 7, outC: 1, k: 3, stride: 1, pad: 1, bias: true},
	{n: 2, c: 3, h: 7, w: 5, outC: 5, k: 3, stride: 1, pad: 0, bias: true},
	{n: 3, c: 5, h: 9, w: 11, outC: 13, k: 3, stride: 1, pad: 2, bias: false},
	{n: 1, c: 9, h: 3, w: 3, outC: 6, k: 3, stride: 1, pad: 0, bias: true}, // one output pixel
	{n: 2, c: 17, h: 6, w: 13, outC: 3, k: 3, stride: 1, pad: 1, bias: false},
	{n: 2, c: 2, h: 1, w: 2, outC: 9, k: 3, stride: 1, pad: 2, bias: true},     // plane smaller than a tile
	{n: 2, c: 1, h: 28, w: 28, outC: 16, k: 3, stride: 1, pad: 1, bias: true},  // default conv:16:3
	{n: 2, c: 16, h: 14, w: 14, outC: 32, k: 3, stride: 1, pad: 1, bias: true}, // default conv:32:3
}

// TestConv2DWinograd runs the Winograd kernels on their shapes, with U in
// a uniform block and, on two shapes (each compiles two more kernels), in
// a storage buffer: the binding changes only how U is read.
func TestConv2DWinograd(t *testing.T) {
	for _, ssbo := range []bool{false, true} {
		name := "ubo"
		if ssbo {
			name = "ssbo"
		}
		for i, cc := range winogradCases {
			if ssbo && cc.pad != 2 && cc.c != 16 {
				continue
			}
			t.Run(name+"/"+cc.String(), func(t *testing.T) {
				l := cc.layer(VariantWinograd, tuning{storageWeights: ssbo})
				checkConv(t, &kernelsProbe{Conv2D: l, t: t, want: VariantWinograd, ubo: !ssbo}, cc, int64(11*i))
			})
		}
	}
}

// TestConv2DWinogradFallback: shapes the Winograd kernels do not take
// (kernel 1 or 5, a 3x5 kernel, stride 2, pad 3) run the blocked ones.
func TestConv2DWinogradFallback(t *testing.T) {
	for i, cc := range []convCase{
		{n: 2, c: 3, h: 13, w: 13, outC: 5, k: 1, stride: 1, pad: 0, bias: true},
		{n: 3, c: 13, h: 5, w: 7, outC: 3, k: 5, stride: 1, pad: 2, bias: true},
		{n: 2, c: 1, h: 5, w: 7, outC: 4, k: 3, kw: 5, stride: 1, pad: 1, bias: true},
		{n: 1, c: 3, h: 13, w: 13, outC: 9, k: 3, stride: 2, pad: 1, bias: false},
		{n: 1, c: 2, h: 4, w: 5, outC: 3, k: 3, stride: 1, pad: 3, bias: true},
	} {
		t.Run(cc.String(), func(t *testing.T) {
			l := cc.layer(VariantWinograd, tuning{})
			checkConv(t, &kernelsProbe{Conv2D: l, t: t, want: VariantBlocked}, cc, int64(13*i))
		})
	}
}

// kernelsProbe checks after Setup that the layer runs the kernels of
// variant want (with the weights in a uniform block when ubo).
type kernelsProbe struct {
	*Conv2D
	t    *testing.T
	want Variant
	ubo  bool
}

func (p *kernelsProbe) Setup(d *gpu.Device, in []int, n int) ([]int, error) {
	out, err := p.Conv2D.Setup(d, in, n)
	if err == nil && (p.kernels != p.want || p.kernels == VariantWinograd && (p.uboF != p.ubo || p.uboD != p.ubo)) {
		p.t.Errorf("kernels %s, uniform blocks %v %v; want %s, %v", p.kernels, p.uboF, p.uboD, p.want, p.ubo)
	}
	return out, err
}

// TestConv2DWinogradError logs the worst error of y and dx against the
// float64 reference, in the winograd and vec/blocked variants, as the
// fraction of the tolerance used (max over elements of
// |got-want| / max(R*|got+want|, A); 1 is the limit) and as the absolute
// error: the accuracy Winograd's transforms cost. Run with -v.
func TestConv2DWinogradError(t *testing.T) {
	d := gputest.Device(t)
	for i, cc := range winogradCases {
		for _, v := range []Variant{VariantBlocked, VariantWinograd} {
			y, dx := convErrors(t, d, cc, v, int64(17*i))
			t.Logf("%-8s %-36s y: %.3f of tol (abs %.2g)  dx: %.3f of tol (abs %.2g)", v, cc, y[0], y[1], dx[0], dx[1])
		}
	}
}

// convErrors runs case cc in variant v and returns y's and dx's worst
// {fraction of the tolerance, absolute error}.
func convErrors(t *testing.T, d *gpu.Device, cc convCase, v Variant, seed int64) (y, dx [2]float64) {
	t.Helper()
	l := cc.layer(v, tuning{})
	in := []int{cc.c, cc.h, cc.w}
	out, err := l.Setup(d, in, cc.n)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Release()
	p := ref.Conv2DParams{N: cc.n, C: cc.c, H: cc.h, W: cc.w, K: cc.outC, KH: cc.k, KW: cc.kernelW(), Stride: cc.stride, Pad: cc.pad}
	w := ref.RandN(seed+1, l.weight.Value.Len())
	l.weight.Value.Buf.Upload(ref.Float32s(w))
	var b []float64
	if cc.bias {
		b = ref.RandN(seed+2, cc.outC)
		l.bias.Value.Buf.Upload(ref.Float32s(b))
	}
	xv := ref.RandN(seed, cc.n*Numel(in))
	x, _ := NewTensor(d, append([]int{cc.n}, in...)...)
	defer x.Release()
	x.Buf.Upload(ref.Float32s(xv))
	dyv := ref.RandN(seed+3, cc.n*Numel(out))
	dy, _ := NewTensor(d, append([]int{cc.n}, out...)...)
	defer dy.Release()
	dy.Buf.Upload(ref.Float32s(dyv))
	y = worst(l.Forward(x, Mode{Train: true}).Read(), ref.Conv2DForward(p, xv, w, b))
	wantDX, _, _ := ref.Conv2DBackward(p, xv, w, dyv)
	dx = worst(l.Backward(dy, true).Read(), wantDX)
	if y[0] > 1 || dx[0] > 1 {
		t.Errorf("%s %s: y %.3f, dx %.3f of the tolerance", v, cc, y[0], dx[0])
	}
	return y, dx
}

// worst is the largest |g-w| / max(tolR*|g+w|, tolA) and |g-w|.
func worst(got []float32, want []float64) (e [2]float64) {
	for i, g := range got {
		diff := math.Abs(float64(g) - want[i])
		e[0] = math.Max(e[0], diff/math.Max(tolR*math.Abs(float64(g)+want[i]), tolA))
		e[1] = math.Max(e[1], diff)
	}
	return e
}
