package layers

import (
	"fmt"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/glcnn/glcnn/gpu"
	"github.com/glcnn/glcnn/gpu/gputest"
	"github.com/glcnn/glcnn/layers/ref"
)

// The layer benchmarks, in the gonum manner: each layer has a Small, a
// Medium and a Large benchmark over shapes of that size, and all of them
// time their passes through benchLayers. Each reports GFLOP/s (2 FLOPs per
// multiply-add, from the layer's Costs) and cpu-ms/op, which is steadier
// than ns/op on a shared machine; on llvmpipe both are software-renderer
// figures. The batch is 128 throughout.
const benchBatch = 128

// layerBench is one layer shape to time: name, per-sample input, and a
// constructor for the layer (its Variant set).
type layerBench struct {
	name string
	in   []int
	new  func() Layer
}

// pass is one timed part of a layer's step and the kernels (Costs keys)
// whose FLOPs it does.
type pass struct {
	run     func()
	kernels []string
}

// passTimer is a layer that names its passes one by one (forward, input
// gradient, weight gradient) instead of benchLayers' default of Forward
// and Backward.
type passTimer interface {
	benchPasses(x, dy *Tensor) map[string]pass
}

// benchLayers times, for each case, every pass of the layer at
// benchBatch, as sub-benchmarks case/pass.
func benchLayers(b *testing.B, cases []layerBench) {
	d := gputest.Device(b)
	b.Logf("GL_RENDERER %s", d.Info().Renderer)
	for _, c := range cases {
		l := c.new()
		if _, err := l.Setup(d, c.in, benchBatch); err != nil {
			b.Fatalf("%s: %v", c.name, err)
		}
		x, dy := benchInputs(b, d, l, c.in)
		passes := defaultPasses(l, x, dy)
		if pt, ok := l.(passTimer); ok {
			passes = pt.benchPasses(x, dy)
		}
		costs := l.Costs(benchBatch)
		for _, name := range sortedKeys(passes) {
			p := passes[name]
			var flops int64
			for _, k := range p.kernels {
				flops += costs[k].FLOPs
			}
			b.Run(c.name+"/"+name, func(b *testing.B) { timePass(b, d, p.run, flops) })
		}
		x.Release()
		dy.Release()
		l.Release()
	}
}

// benchInputs are a seeded input batch and output gradient for l, its
// parameters seeded too, after one Forward.
func benchInputs(b *testing.B, d *gpu.Device, l Layer, in []int) (x, dy *Tensor) {
	x, err := NewTensor(d, append([]int{benchBatch}, in...)...)
	if err != nil {
		b.Fatal(err)
	}
	x.Buf.Upload(ref.Float32s(ref.RandN(1, x.Len())))
	for i, p := range l.Params() {
		p.Value.Buf.Upload(ref.Float32s(ref.RandN(int64(2+i), p.Value.Len())))
	}
	y := l.Forward(x, Mode{Train: true})
	if dy, err = NewTensor(d, y.Shape...); err != nil {
		b.Fatal(err)
	}
	dy.Buf.Upload(ref.Float32s(ref.RandN(3, dy.Len())))
	return x, dy
}

// defaultPasses are Forward ("fwd": the kernels named *_fwd*) and Backward
// with the input gradient ("bwd": the others).
func defaultPasses(l Layer, x, dy *Tensor) map[string]pass {
	var fwd, bwd []string
	for k := range l.Costs(benchBatch) {
		if strings.Contains(k, "_fwd") {
			fwd = append(fwd, k)
		} else {
			bwd = append(bwd, k)
		}
	}
	return map[string]pass{
		"fwd": {func() { l.Forward(x, Mode{Train: true}) }, fwd},
		"bwd": {func() { l.Backward(dy, true) }, bwd},
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// timePass times run (after one warm-up call: llvmpipe compiles a kernel at
// its first dispatch) and reports GFLOP/s and CPU ms per call.
func timePass(b *testing.B, d *gpu.Device, run func(), flops int64) {
	run()
	d.Finish()
	cpu0 := cpuTime()
	for b.Loop() {
		run()
	}
	d.Finish()
	if flops > 0 {
		b.ReportMetric(float64(flops)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
	}
	// On a shared machine the process's CPU time is steadier than the
	// wall clock (llvmpipe's threads run on the CPU).
	b.ReportMetric((cpuTime()-cpu0).Seconds()*1e3/float64(b.N), "cpu-ms/op")
}

// cpuTime is the user+system CPU time of the process so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// Conv2D, 3x3 pad 1, in the blocked, vec and winograd variants: Small is a narrow
// pair (1->8 on 28x28, 8->16 on 14x14), Medium the default preset's convs
// (1->16, 16->32), Large the best preset's widths (64->64 on 28x28,
// 128->128 on 14x14; slow on a software renderer). Each pass includes its
// weight repack, bwd_filter its slice reduction.
func BenchmarkConv2DSmall(b *testing.B) {
	benchLayers(b, convBenches([3]int{1, 28, 8}, [3]int{8, 14, 16}))
}

func BenchmarkConv2DMedium(b *testing.B) {
	benchLayers(b, convBenches([3]int{1, 28, 16}, [3]int{16, 14, 32}))
}

func BenchmarkConv2DLarge(b *testing.B) {
	benchLayers(b, convBenches([3]int{64, 28, 64}, [3]int{128, 14, 128}))
}

// convBenches are 3x3 pad 1 convs of shapes (input channels, height and
// width, output channels), blocked, vec and winograd.
func convBenches(shapes ...[3]int) []layerBench {
	var out []layerBench
	for _, s := range shapes {
		for _, v := range []Variant{VariantBlocked, VariantVec, VariantWinograd} {
			out = append(out, layerBench{
				name: fmt.Sprintf("%dto%d_%dx%d/%s", s[0], s[2], s[1], s[1], v),
				in:   []int{s[0], s[1], s[1]},
				new: func() Layer {
					l := NewConv2D(s[2], 3, 3, 1, 1, false)
					l.Variant = v
					return l
				},
			})
		}
	}
	return out
}

func (l *Conv2D) benchPasses(x, dy *Tensor) map[string]pass {
	n := x.Shape[0]
	return map[string]pass{
		"fwd":        {func() { l.Forward(x, Mode{Train: true}) }, []string{"conv2d_fwd"}},
		"bwd_data":   {func() { l.backwardData(dy, n) }, []string{"conv2d_bwd_data"}},
		"bwd_filter": {func() { l.Backward(dy, false) }, []string{"conv2d_bwd_filter"}},
	}
}

// Linear, blocked, with its vec kernels ("vec") and without ("scalar", the
// kernels for In % 4 != 0): Small is the article's head (196 -> 10),
// Medium a 1568 -> 10 head, Large the default preset's hidden layer
// (1568 -> 64). bwd_filter includes its slice reduction, if any.
func BenchmarkLinearSmall(b *testing.B) { benchLayers(b, linearBenches(196, 10)) }

func BenchmarkLinearMedium(b *testing.B) { benchLayers(b, linearBenches(1568, 10)) }

func BenchmarkLinearLarge(b *testing.B) { benchLayers(b, linearBenches(1568, 64)) }

func linearBenches(in, out int) []layerBench {
	var cases []layerBench
	for _, scalar := range []bool{true, false} {
		kind := map[bool]string{true: "scalar", false: "vec"}[scalar]
		cases = append(cases, layerBench{
			name: fmt.Sprintf("%dto%d/%s", in, out, kind),
			in:   []int{in},
			new: func() Layer {
				l := NewLinear(out, false)
				l.Variant, l.tune.scalarLinear = VariantBlocked, scalar
				return l
			},
		})
	}
	return cases
}

func (l *Linear) benchPasses(x, dy *Tensor) map[string]pass {
	n := x.Shape[0]
	return map[string]pass{
		"fwd":        {func() { l.Forward(x, Mode{Train: true}) }, []string{"linear_fwd"}},
		"bwd_data":   {func() { l.backwardData(dy, n) }, []string{"linear_bwd_data"}},
		"bwd_filter": {func() { l.backwardFilter(dy, n) }, []string{"linear_bwd_filter"}},
	}
}

// The other layers, Forward and Backward on 16 (Small), 32 (Medium) and
// 64 (Large) channels of 28x28.
func BenchmarkOthersSmall(b *testing.B)  { benchLayers(b, otherBenches(16)) }
func BenchmarkOthersMedium(b *testing.B) { benchLayers(b, otherBenches(32)) }
func BenchmarkOthersLarge(b *testing.B)  { benchLayers(b, otherBenches(64)) }

func otherBenches(c int) []layerBench {
	in := []int{c, 28, 28}
	return []layerBench{
		{"maxpool2", in, func() Layer { return NewMaxPool2D(2, 2) }},
		{"bn2d", in, func() Layer { return NewBatchNorm2D() }},
		{"relu", in, func() Layer { return NewReLU() }},
		{"dropout0.25", in, func() Layer { return NewDropout(0.25, 1) }},
	}
}
