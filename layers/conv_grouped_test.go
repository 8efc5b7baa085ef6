package layers

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/glcnn/glcnn/gpu/gputest"
	"github.com/glcnn/glcnn/layers/ref"
)

// groupedCase is one grouped convolution shape: input (c,h,w), batch n,
// outC output channels in g groups, a k x k kernel.
type groupedCase struct {
	n, c, h, w, outC, k, stride, pad, g int
	absTol                              float64 // 0: the default A
}

func (gc groupedCase) String() string {
	return fmt.Sprintf("n%d_c%d_%dx%d_k%d_%dx%d_s%d_p%d_g%d", gc.n, gc.c, gc.h, gc.w, gc.outC, gc.k, gc.k, gc.stride, gc.pad, gc.g)
}

var groupedCases = []groupedCase{
	{n: 2, c: 4, h: 9, w: 7, outC: 6, k: 3, stride: 1, pad: 1, g: 2},
	{n: 1, c: 3, h: 5, w: 7, outC: 3, k: 3, stride: 1, pad: 1, g: 3},    // depthwise, batch 1
	{n: 3, c: 3, h: 13, w: 11, outC: 3, k: 5, stride: 2, pad: 2, g: 3},  // depthwise, kernel 5, stride 2
	{n: 2, c: 3, h: 9, w: 9, outC: 6, k: 3, stride: 2, pad: 1, g: 3},    // depthwise, multiplier 2
	{n: 1, c: 6, h: 13, w: 13, outC: 3, k: 3, stride: 2, pad: 0, g: 3},  // two inputs per output, pad 0
	{n: 2, c: 4, h: 7, w: 5, outC: 6, k: 1, stride: 1, pad: 0, g: 2},    // kernel 1
	{n: 5, c: 8, h: 7, w: 5, outC: 4, k: 1, stride: 2, pad: 1, g: 4},    // padding larger than needed
	{n: 1, c: 3, h: 3, w: 3, outC: 6, k: 5, stride: 1, pad: 1, g: 3},    // kernel larger than the image
	{n: 2, c: 3, h: 6, w: 11, outC: 5, k: 3, stride: 1, pad: 2, g: 1},   // one group: Conv2d
	{n: 3, c: 13, h: 5, w: 9, outC: 13, k: 3, stride: 1, pad: 1, g: 13}, // depthwise, odd channels
	// 90*784 = 70560 output pixels per channel: past the 65535 loop
	// iterations llvmpipe lets one invocation run, so the dw and db sums
	// must be split across dispatches or invocations. Tolerance as for
	// TestConv2D's case of this size (a float32 sum of 70560 products).
	{n: 90, c: 2, h: 28, w: 28, outC: 4, k: 3, stride: 1, pad: 1, g: 2, absTol: 1.4e-3},
}

func TestGroupedConv2D(t *testing.T) {
	for i, gc := range groupedCases {
		t.Run(gc.String(), func(t *testing.T) {
			l := NewGroupedConv2D(gc.outC, gc.k, gc.stride, gc.pad, gc.g)
			p := ref.GroupedConv2DParams{Conv2DParams: ref.Conv2DParams{N: gc.n, C: gc.c, H: gc.h, W: gc.w,
				K: gc.outC, KH: gc.k, KW: gc.k, Stride: gc.stride, Pad: gc.pad}, Groups: gc.g}
			lc := layerCase{in: []int{gc.c, gc.h, gc.w}, n: gc.n, mode: Mode{Train: true}, seed: int64(10*i + 3)}
			if gc.absTol != 0 {
				lc.r, lc.a = tolR, gc.absTol
			}
			checkLayer(t, l, lc, func(x []float64, params map[string][]float64, dy []float64) ([]float64, []float64, map[string][]float64) {
				y := ref.GroupedConv2DForward(p, x, params["weight"], params["bias"])
				dx, dw, db := ref.GroupedConv2DBackward(p, x, params["weight"], dy)
				return y, dx, map[string][]float64{"weight": dw, "bias": db}
			})
		})
	}
}

// TestGroupedConv2DSlices checks that the 90-sample case is sliced as
// intended: every weight-gradient dispatch and every bias-gradient
// invocation sums at most convMaxSlicePixels output pixels.
func TestGroupedConv2DSlices(t *testing.T) {
	gc := groupedCases[len(groupedCases)-1]
	l := NewGroupedConv2D(gc.outC, gc.k, gc.stride, gc.pad, gc.g)
	if _, err := l.Setup(gputest.Device(t), []int{gc.c, gc.h, gc.w}, gc.n); err != nil {
		t.Fatal(err)
	}
	defer l.Release()
	if rows := l.filterRows(); rows*(l.ow+1) > convMaxSlicePixels || rows >= gc.n*l.oh {
		t.Errorf("%d rows of %d pixels per dw dispatch: not sliced, or past %d", rows, l.ow, convMaxSlicePixels)
	}
	if ns := l.biasSlices(gc.n); ns < 2 || divUp(gc.n, ns)*l.oh*l.ow > convMaxSlicePixels {
		t.Errorf("%d db slices for %d samples of %dx%d", ns, gc.n, l.oh, l.ow)
	}
	if _, ok := l.Costs(gc.n)["reduce_slices"]; !ok {
		t.Error("no reduce_slices cost for a sliced db")
	}
}

func TestGroupedConv2DSetupErrors(t *testing.T) {
	d := gputest.Device(t)
	for _, c := range []struct {
		l    *GroupedConv2D
		in   []int
		want string
	}{
		{NewGroupedConv2D(6, 3, 1, 1, 3), []int{4, 5, 5}, "do not divide the 4 input channels"},
		{NewGroupedConv2D(4, 5, 1, 0, 2), []int{2, 4, 9}, "larger than the padded input"},
		{NewGroupedConv2D(4, 3, 1, 1, 2), []int{4, 4}, "want C,H,W"},
	} {
		if _, err := c.l.Setup(d, c.in, 2); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Setup(%+v, %v): %v, want %q", c.l, c.in, err, c.want)
			c.l.Release()
		}
	}
	defer func() {
		if recover() == nil {
			t.Error("NewGroupedConv2D(6, 3, 1, 1, 4): no panic (4 groups do not divide 6)")
		}
	}()
	NewGroupedConv2D(6, 3, 1, 1, 4)
}

// TestGroupedConv2DCosts checks the costs' values and the parameters'
// shapes (TestEveryOpReleases covers their names and release).
func TestGroupedConv2DCosts(t *testing.T) {
	l := NewGroupedConv2D(32, 3, 1, 1, 8)
	if _, err := l.Setup(gputest.Device(t), []int{16, 14, 14}, 4); err != nil {
		t.Fatal(err)
	}
	defer l.Release()
	c := l.Costs(2)
	macs := int64(2 * 32 * 14 * 14 * 2 * 9) // 2 input channels per group
	if c["conv2d_grouped_fwd"].FLOPs != 2*macs+2*32*196 || c["conv2d_grouped_bwd_data"].FLOPs != 2*macs ||
		c["conv2d_grouped_bwd_filter"].FLOPs != 2*macs || c["bias_bwd"].FLOPs != 2*32*196 {
		t.Errorf("FLOPs: %+v", c)
	}
	if c["conv2d_grouped_bwd_data"].Bytes != 4*(2*32*196+32*18+2*16*196) {
		t.Errorf("Bytes: %+v", c)
	}
	if got := l.Params(); got[0].Name != "weight" || fmt.Sprint(got[0].Value.Shape) != "[32 2 3 3]" ||
		got[1].Name != "bias" || fmt.Sprint(got[1].Value.Shape) != "[32]" {
		t.Errorf("params %s %v, %s %v", got[0].Name, got[0].Value.Shape, got[1].Name, got[1].Value.Shape)
	}
}

// TestGroupedConvItems covers the descriptor: which items its Match
// claims, conv's defaults for an omitted stride and padding, the errors
// of Parse and Shape, and the PyTorch module.
func TestGroupedConvItems(t *testing.T) {
	for item, want := range map[string]GroupedConvArgs{
		"16:3:g4":     {ConvArgs{Out: 16, K: 3, Stride: 1, Pad: 1}, 4},
		"16:5:2:g16":  {ConvArgs{Out: 16, K: 5, Stride: 2, Pad: 2}, 16},
		"8:3:1:0:g2":  {ConvArgs{Out: 8, K: 3, Stride: 1, Pad: 0}, 2},
		"8:1:2:1:g01": {ConvArgs{Out: 8, K: 1, Stride: 2, Pad: 1}, 1},
	} {
		args := strings.Split(item, ":")
		if op := LookupOp("conv", args); op != GroupedConvOp {
			t.Errorf("conv:%s claimed by %v", item, op)
			continue
		}
		if a, err := GroupedConvOp.Parse(args); err != nil || a != want {
			t.Errorf("conv:%s = %+v, %v; want %+v", item, a, err, want)
		}
	}
	if op := LookupOp("conv", []string{"8", "3", "1", "1"}); op != ConvOp {
		t.Errorf("conv:8:3:1:1 claimed by %v", op)
	}
	for item, want := range map[string]string{
		"8:3:g":       `bad group count "g"`,
		"8:3:gx":      `bad group count "gx"`,
		"8:3:g-2":     `bad group count "g-2"`,
		"8:3.5:g2":    `bad argument "3.5"`,
		"8:g2":        "takes 3 to 5 arguments",
		"8:3:1:1:1:g": "takes 3 to 5 arguments",
	} {
		if _, err := GroupedConvOp.Parse(strings.Split(item, ":")); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("conv:%s: %v, want %q", item, err, want)
		}
	}
	for _, c := range []struct {
		item string
		in   []int
		want string
	}{
		{"6:3:g0", []int{6, 7, 7}, "groups must be at least 1"},
		{"6:3:g4", []int{8, 7, 7}, "4 groups must divide the 8 input and 6 output channels"},
		{"6:3:g3", []int{4, 7, 7}, "3 groups must divide the 4 input"},
		{"6:9:1:0:g3", []int{6, 7, 7}, "larger than the padded input"},
		{"6:3:2:0:g3", []int{6, 7, 7}, ""},
	} {
		a, err := GroupedConvOp.Parse(strings.Split(c.item, ":"))
		if err != nil {
			t.Fatal(err)
		}
		out, err := GroupedConvOp.Shape(a, c.in)
		switch {
		case c.want == "" && (err != nil || fmt.Sprint(out) != "[6 3 3]"):
			t.Errorf("conv:%s on %v: %v, %v; want [6 3 3]", c.item, c.in, out, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("conv:%s on %v: %v, want %q", c.item, c.in, err, c.want)
		}
	}
	a, _ := GroupedConvOp.Parse([]string{"8", "3", "2", "g4"})
	m := GroupedConvOp.Module(a, []int{4, 9, 9})
	if got := fmt.Sprint(m); got != "{Conv2d [4 8 3] map[groups:4 padding:1 stride:2]}" {
		t.Errorf("module %s", got)
	}
}

// TestGroupedConvInit checks that the registry's default initialisation
// is PyTorch's for a grouped Conv2d: U(-b, b) with b = 1/sqrt(fan_in),
// fan_in = in/groups*K*K, for the weight and the bias alike.
func TestGroupedConvInit(t *testing.T) {
	d := gputest.Device(t)
	l := NewGroupedConv2D(64, 3, 1, 1, 8)
	if _, err := l.Setup(d, []int{16, 9, 9}, 1); err != nil {
		t.Fatal(err)
	}
	defer l.Release()
	GroupedConvOp.Init(l.Params(), rand.New(rand.NewPCG(1, 2)))
	bound := 1 / math.Sqrt(2*9) // 16/8 input channels per group, 3x3
	for _, p := range l.Params() {
		most := 0.0
		for _, v := range p.Value.Read() {
			most = max(most, math.Abs(float64(v)))
		}
		// 576 (weight) and 64 (bias) draws come within 10% of the bound.
		if most > bound || most < 0.9*bound {
			t.Errorf("%s: largest |value| %.4f, want just under %.4f", p.Name, most, bound)
		}
	}
}
