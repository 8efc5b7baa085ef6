package bench

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/glcnn/glcnn/check"
	"github.com/glcnn/glcnn/gpu/gputest"
	"github.com/glcnn/glcnn/layers"
)

// TestKernelRowsValidate runs the kernel benchmark over the tutorial's
// layers at batch 3: every row must validate and carry its roofline fields.
func TestKernelRowsValidate(t *testing.T) {
	d := gputest.Device(t)
	pk := Peaks{FMAGFLOPs: 10, ReadGBs: 1}
	plan := kernelPlan{presets: []string{"tutorial"}, batches: map[string][]int{"tutorial": {3}}, runs: 1, rowBudget: time.Millisecond}
	rows, err := benchKernels(d, pk, plan, nil)
	if err != nil {
		t.Fatal(err)
	}
	passes := map[string]bool{}
	for _, r := range rows {
		if r.Status != "ok" {
			t.Errorf("%s: %s %s", r.Key(), r.Status, r.Note)
			continue
		}
		passes[r.Op+" "+r.Pass] = true
		if !r.Derived && (r.MinMs <= 0 || r.Runs < 1) || r.FLOPs <= 0 && r.Bytes <= 0 || r.Bound == "" || len(r.Kernels) == 0 {
			t.Errorf("%s: incomplete row %+v", r.Key(), r)
		}
	}
	// The tutorial's relus follow a bn: each pair is fused, one unit.
	for _, want := range []string{"conv:4:3:1:1 fwd", "conv:4:3:1:1 bwd_params", "conv:4:3:1:1 bwd_data", "bn+relu fwd", "bn+relu fwd_eval", "bn+relu bwd",
		"maxpool:2 fwd", "maxpool:2 bwd", "fc:10 fwd", "fc:10 bwd_data"} {
		if !passes[want] {
			t.Errorf("no row for %s (have %v)", want, passes)
		}
	}
}

func TestPassKernels(t *testing.T) {
	l := layers.NewConv2D(4, 3, 3, 1, 1, true)
	d := gputest.Device(t)
	if _, err := l.Setup(d, []int{1, 28, 28}, 2); err != nil {
		t.Fatal(err)
	}
	defer l.Release()
	got := passKernels(layers.ConvOp, l, 2)
	for pass, want := range map[string][]string{"fwd": {"conv2d_fwd"}, "bwd_params": {"bias_bwd", "conv2d_bwd_filter"}, "bwd_data": {"conv2d_bwd_data"}} {
		for _, k := range want {
			if !slices.Contains(got[pass], k) {
				t.Errorf("conv pass %s: %v lacks %s", pass, got[pass], k)
			}
		}
	}
}

// BenchmarkKernels times each pass of each layer of the default preset at
// batch 64, as Go benchmarks (`go test -bench Kernels ./bench | benchstat`).
func BenchmarkKernels(b *testing.B) {
	d := gputest.Device(b)
	las, err := presetLayers("default")
	if err != nil {
		b.Fatal(err)
	}
	const n = 64
	for _, la := range las {
		for _, v := range check.Variants(la.Item.Op) {
			l := newLayer(la, v)
			if l == nil {
				continue
			}
			out, err := l.Setup(d, la.In, n)
			if err != nil {
				b.Fatal(err)
			}
			x, _ := layers.NewTensor(d, append([]int{n}, la.In...)...)
			dy, _ := layers.NewTensor(d, append([]int{n}, out...)...)
			if err := validate(la, l, out, validationBatch(l, n), x, dy); err != nil {
				b.Errorf("%s/%s: validation: %v", la.Item, v, err)
			}
			fwd := func() { l.Forward(x, layers.Mode{Train: true, Seed: 7}) }
			name := fmt.Sprintf("%d_%s", la.Index, la.Item)
			if v != "" {
				name += "_" + v
			}
			passes := passKernels(la.Item.Op, l, n)
			run := func(pass string, f func()) {
				c := sumCost(l, n, passes[pass])
				b.Run(name+"/"+pass, func(b *testing.B) {
					f()
					d.Finish()
					for b.Loop() {
						f()
						d.Finish()
					}
					b.ReportMetric(float64(c.FLOPs)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
					b.ReportMetric(float64(c.Bytes)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GB/s")
				})
			}
			run("fwd", fwd)
			fwd()
			if _, ok := passes["bwd"]; ok {
				run("bwd", func() { l.Backward(dy, true) })
			}
			if _, ok := passes["bwd_params"]; ok {
				run("bwd_params", func() { l.Backward(dy, false) })
			}
			x.Release()
			dy.Release()
			l.Release()
		}
	}
}
