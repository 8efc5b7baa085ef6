package layers

import (
	"syscall"
	"testing"
	"time"

	"github.com/glcnn/glcnn/gpu"
	"github.com/glcnn/glcnn/gpu/gputest"
	"github.com/glcnn/glcnn/layers/ref"
)

// BenchmarkConv2D times each kernel of the blocked and vec variants at
// batch 128, 3x3 pad 1: the default preset's convs (1->16 on 28x28, 16->32
// on 14x14), a narrower pair (1->8, 8->16) and, in the "big" group, the
// best preset's widths (64->64 on 28x28, 128->128 on 14x14; slow on a
// software renderer: select them with -bench 'Conv2D/big'). Each pass
// includes its weight repack, bwd_filter its slice reduction. GFLOP/s
// counts 2 FLOPs per multiply-add (Costs); on llvmpipe these are
// software-renderer figures.
func BenchmarkConv2D(b *testing.B) {
	d := gputest.Device(b)
	b.Logf("GL_RENDERER %s", d.Info().Renderer)
	for _, s := range []struct {
		name      string
		c, hw, oc int
	}{{"1to16_28x28", 1, 28, 16}, {"16to32_14x14", 16, 14, 32}, {"1to8_28x28", 1, 28, 8}, {"8to16_14x14", 8, 14, 16},
		{"big/64to64_28x28", 64, 28, 64}, {"big/128to128_14x14", 128, 14, 128}} {
		for _, pass := range []string{"fwd", "bwd_data", "bwd_filter"} {
			for _, v := range []Variant{VariantBlocked, VariantVec} {
				b.Run(s.name+"/"+pass+"/"+string(v), func(b *testing.B) {
					benchConv(b, d, v, pass, s.c, s.hw, s.oc)
				})
			}
		}
	}
}

func benchConv(b *testing.B, d *gpu.Device, v Variant, pass string, c, hw, oc int) {
	const n = 128
	l := NewConv2D(oc, 3, 3, 1, 1, false)
	l.Variant = v
	if _, err := l.Setup(d, []int{c, hw, hw}, n); err != nil {
		b.Fatal(err)
	}
	defer l.Release()
	x, _ := NewTensor(d, n, c, hw, hw)
	defer x.Release()
	x.Buf.Upload(ref.Float32s(ref.RandN(1, x.Len())))
	l.weight.Value.Buf.Upload(ref.Float32s(ref.RandN(2, l.weight.Value.Len())))
	y := l.Forward(x, Mode{Train: true})
	dy, _ := NewTensor(d, y.Shape...)
	defer dy.Release()
	dy.Buf.Upload(ref.Float32s(ref.RandN(3, dy.Len())))
	run := map[string]func(){
		"fwd":        func() { l.Forward(x, Mode{Train: true}) },
		"bwd_data":   func() { l.backwardData(dy, n) },
		"bwd_filter": func() { l.Backward(dy, false) },
	}[pass]
	timePass(b, d, run, l.Costs(n)["conv2d_"+pass].FLOPs)
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
	b.ReportMetric(float64(flops)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
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
