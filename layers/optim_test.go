package layers

import (
	"fmt"
	"testing"

	"github.com/glcnn/glcnn/gpu"
	"github.com/glcnn/glcnn/gpu/gputest"
	"github.com/glcnn/glcnn/layers/ref"
)

// optParams makes params of 3 shapes (one has no Grad: a BN buffer, which
// the optimizers must leave alone) with seeded values.
func optParams(t *testing.T, d *gpu.Device) ([]*Param, [][]float64) {
	t.Helper()
	var ps []*Param
	var vals [][]float64
	for i, shape := range [][]int{{4, 3, 3, 3}, {257}, {7}, {5, 2}} {
		v, _ := NewTensor(d, shape...)
		vals = append(vals, ref.RandN(int64(500+i), v.Len()))
		v.Buf.Upload(ref.Float32s(vals[i]))
		p := &Param{Name: fmt.Sprint("p", i), Value: v}
		if i != 2 {
			p.Grad, _ = NewTensor(d, shape...)
		}
		ps = append(ps, p)
	}
	return ps, vals
}

// runOptimizer takes 3 steps of o over optParams with seeded gradients (and
// a learning rate that changes per step, as a scheduler would), calling
// refStep for the reference, and compares every param after each step.
func runOptimizer(t *testing.T, ps []*Param, vals [][]float64, o Optimizer, lrs []float64,
	refStep func(step int, lr float64, i int, p, g []float64)) {
	t.Helper()
	for step := 1; step <= len(lrs); step++ {
		for i, p := range ps {
			if p.Grad == nil {
				continue
			}
			g := ref.RandN(int64(1000*step+i), p.Value.Len())
			p.Grad.Buf.Upload(ref.Float32s(g))
			refStep(step, lrs[step-1], i, vals[i], g)
		}
		o.Step(lrs[step-1])
		for i, p := range ps {
			report(t, fmt.Sprintf("step %d %s", step, p.Name), p.Value.Read(), vals[i], tolR, tolA)
		}
	}
	if s, _ := o.State(); s != len(lrs) {
		t.Errorf("State step = %d, want %d", s, len(lrs))
	}
}

func TestSGD(t *testing.T) {
	d := gputest.Device(t)
	for _, c := range []struct {
		lr  float64
		cfg SGDConfig
	}{
		{0.1, SGDConfig{}},
		{0.1, SGDConfig{WeightDecay: 0.01}},
		{0.05, SGDConfig{Momentum: 0.9}},
		{0.05, SGDConfig{Momentum: 0.9, Dampening: 0.3, WeightDecay: 1e-3}},
		{0.05, SGDConfig{Momentum: 0.9, Nesterov: true}},
		{0.05, SGDConfig{Momentum: 0.8, Nesterov: true, WeightDecay: 1e-2}},
	} {
		cfg := c.cfg
		t.Run(fmt.Sprintf("lr %g %+v", c.lr, cfg), func(t *testing.T) {
			ps, vals := optParams(t, d)
			defer releaseParams(ps...)
			o, err := NewSGD(d, ps, cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer o.Release()
			bufs := map[int][]float64{}
			runOptimizer(t, ps, vals, o, []float64{c.lr, c.lr, c.lr / 2}, func(step int, lr float64, i int, p, g []float64) {
				if bufs[i] == nil {
					bufs[i] = make([]float64, len(p))
				}
				rc := ref.SGDConfig{LR: lr, Momentum: cfg.Momentum, Dampening: cfg.Dampening, WeightDecay: cfg.WeightDecay, Nesterov: cfg.Nesterov}
				ref.SGDStep(rc, step, p, g, bufs[i])
			})
			if _, st := o.State(); (cfg.Momentum != 0) != (len(st) == 3) {
				t.Errorf("%d momentum buffers for 3 trainable params", len(st))
			}
		})
	}
	if _, err := NewSGD(d, nil, SGDConfig{Nesterov: true}); err == nil {
		t.Error("Nesterov without momentum: no error")
	}
}

func TestAdam(t *testing.T) {
	d := gputest.Device(t)
	for _, c := range []struct {
		lr  float64
		cfg AdamConfig
	}{
		{0.01, DefaultAdam()},
		{0.07, DefaultAdam()},
		{0.01, AdamConfig{Beta1: 0.8, Beta2: 0.99, Eps: 1e-6, WeightDecay: 0.05}},
		{0.01, AdamConfig{Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, WeightDecay: 0.01, Decoupled: true}},
		{0.03, AdamConfig{Beta1: 0.5, Beta2: 0.9, Eps: 1e-3, WeightDecay: 0.1, Decoupled: true}},
	} {
		cfg := c.cfg
		t.Run(fmt.Sprintf("lr %g %+v", c.lr, cfg), func(t *testing.T) {
			ps, vals := optParams(t, d)
			defer releaseParams(ps...)
			o, err := NewAdam(d, ps, cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer o.Release()
			m, v := map[int][]float64{}, map[int][]float64{}
			runOptimizer(t, ps, vals, o, []float64{c.lr, c.lr, c.lr / 2}, func(step int, lr float64, i int, p, g []float64) {
				if m[i] == nil {
					m[i], v[i] = make([]float64, len(p)), make([]float64, len(p))
				}
				rc := ref.AdamConfig{LR: lr, Beta1: cfg.Beta1, Beta2: cfg.Beta2, Eps: cfg.Eps, WeightDecay: cfg.WeightDecay, Decoupled: cfg.Decoupled}
				ref.AdamStep(rc, step, p, g, m[i], v[i])
			})
			if _, st := o.State(); len(st) != 6 {
				t.Errorf("%d Adam buffers for 3 trainable params, want 6", len(st))
			}
		})
	}
}

// TestOptimizerRestore saves an optimizer's state after 2 steps, restores
// it into a fresh optimizer, and checks that the third step is bit-identical
// to the uninterrupted run's.
func TestOptimizerRestore(t *testing.T) {
	d := gputest.Device(t)
	for _, name := range []string{"sgd", "adam"} {
		t.Run(name, func(t *testing.T) {
			newOpt := func(ps []*Param) Optimizer {
				var o Optimizer
				var err error
				if name == "sgd" {
					o, err = NewSGD(d, ps, SGDConfig{Momentum: 0.9, Nesterov: true})
				} else {
					o, err = NewAdam(d, ps, DefaultAdam())
				}
				if err != nil {
					t.Fatal(err)
				}
				return o
			}
			setGrads := func(ps []*Param, step int) {
				for i, p := range ps {
					if p.Grad != nil {
						p.Grad.Buf.Upload(ref.Float32s(ref.RandN(int64(77*step+i), p.Grad.Len())))
					}
				}
			}
			ps, _ := optParams(t, d)
			defer releaseParams(ps...)
			o := newOpt(ps)
			defer o.Release()
			for step := 1; step <= 2; step++ {
				setGrads(ps, step)
				o.Step(0.1)
			}
			step, bufs := o.State()
			var saved [][]float32
			for _, b := range bufs {
				saved = append(saved, b.Read())
			}
			ps2, _ := optParams(t, d)
			defer releaseParams(ps2...)
			for i, p := range ps {
				ps2[i].Value.Buf.Upload(p.Value.Read())
			}
			o2 := newOpt(ps2)
			defer o2.Release()
			_, bufs2 := o2.State()
			for i, b := range bufs2 {
				b.Buf.Upload(saved[i])
			}
			o2.SetStep(step)
			setGrads(ps, 3)
			setGrads(ps2, 3)
			o.Step(0.1)
			o2.Step(0.1)
			for i := range ps {
				report(t, "restored "+ps[i].Name, ps2[i].Value.Read(), ref.Float64s(ps[i].Value.Read()), 0, 0)
			}
		})
	}
}

func TestZeroGrads(t *testing.T) {
	d := gputest.Device(t)
	ps, _ := optParams(t, d)
	defer releaseParams(ps...)
	for _, p := range ps {
		if p.Grad != nil {
			p.Grad.Buf.Fill(3)
		}
	}
	ZeroGrads(ps)
	for _, p := range ps {
		if p.Grad != nil {
			report(t, p.Name, p.Grad.Read(), make([]float64, p.Grad.Len()), 0, 0)
		}
	}
}

// TestGoldenOptimizers matches PyTorch's sgd.json (Nesterov, weight decay)
// and adamw.json over their two steps.
func TestGoldenOptimizers(t *testing.T) {
	d := gputest.Device(t)
	for _, file := range []string{"sgd.json", "adamw.json"} {
		t.Run(file, func(t *testing.T) {
			g := goldenFile(t, file)
			p0 := goldenVals(t, g, "p0")
			value := tensorOf(t, p0, len(p0))
			grad := tensorOf(t, p0, len(p0))
			ps := []*Param{{Name: "p", Value: value, Grad: grad}}
			defer releaseParams(ps...)
			var o Optimizer
			var err error
			lr := 0.1
			if file == "sgd.json" {
				o, err = NewSGD(d, ps, SGDConfig{Momentum: 0.9, WeightDecay: 1e-4, Nesterov: true})
			} else {
				lr = 0.01
				o, err = NewAdam(d, ps, AdamConfig{Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, WeightDecay: 0.01, Decoupled: true})
			}
			if err != nil {
				t.Fatal(err)
			}
			defer o.Release()
			for _, k := range []string{"1", "2"} {
				grad.Buf.Upload(ref.Float32s(goldenVals(t, g, "g"+k)))
				o.Step(lr)
				report(t, "p"+k, value.Read(), goldenVals(t, g, "p"+k), tolR, tolA)
			}
		})
	}
}
