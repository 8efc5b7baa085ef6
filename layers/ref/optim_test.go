package ref

import (
	"math"
	"testing"
)

func TestSGDHand(t *testing.T) {
	cases := []struct {
		name string
		cfg  SGDConfig
		want [2]float64 // p after steps 1 and 2, from p = 1 and g = 0.5 both steps
	}{
		{"plain", SGDConfig{LR: 0.1}, [2]float64{0.95, 0.9}},
		// buf = 0.5, then 0.9*0.5 + 0.5 = 0.95.
		{"momentum", SGDConfig{LR: 0.1, Momentum: 0.9}, [2]float64{0.95, 0.855}},
		// g' = 0.5 + 0.9*0.5 = 0.95, then 0.5 + 0.9*0.95 = 1.355.
		{"nesterov", SGDConfig{LR: 0.1, Momentum: 0.9, Nesterov: true}, [2]float64{0.905, 0.7695}},
		// Dampening is not applied on the first step: buf = 0.5, then 0.45 + 0.25.
		{"dampening", SGDConfig{LR: 0.1, Momentum: 0.9, Dampening: 0.5}, [2]float64{0.95, 0.88}},
		// g' = 0.5 + 0.1*1 = 0.6, then 0.5 + 0.1*0.94 = 0.594.
		{"weight decay", SGDConfig{LR: 0.1, WeightDecay: 0.1}, [2]float64{0.94, 0.8806}},
	}
	for _, tc := range cases {
		p, g, buf := []float64{1}, []float64{0.5}, []float64{123} // stale buf must be ignored at t=1
		for step := 1; step <= 2; step++ {
			SGDStep(tc.cfg, step, p, g, buf)
			if math.Abs(p[0]-tc.want[step-1]) > 1e-15 {
				t.Errorf("%s step %d: p = %.17g, want %g", tc.name, step, p[0], tc.want[step-1])
			}
		}
		if g[0] != 0.5 {
			t.Errorf("%s: g modified to %g", tc.name, g[0])
		}
	}
	expectPanic(t, "short buf", func() { SGDStep(SGDConfig{LR: 1, Momentum: 0.9}, 1, []float64{1}, []float64{1}, nil) })
	SGDStep(SGDConfig{LR: 1}, 1, []float64{1}, []float64{1}, nil) // no momentum: buf unused
}

func TestAdamFirstStepIsSignStep(t *testing.T) {
	// After bias correction m/bc1 = g and sqrt(v/bc2) = |g|, so the first step
	// moves each p by lr*g/(|g|+eps), about lr*sign(g).
	cfg := AdamConfig{LR: 0.07, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8}
	g := []float64{0.3, -2, 1e-3, -5e-4, 40}
	p := []float64{1, 1, 1, 1, 1}
	m, v := make([]float64, 5), make([]float64, 5)
	AdamStep(cfg, 1, p, g, m, v)
	for i := range p {
		want := 1 - 0.07*g[i]/(math.Abs(g[i])+1e-8)
		if math.Abs(p[i]-want) > 1e-15 || math.Abs(math.Abs(p[i]-1)-0.07) > 0.07*1e-4 {
			t.Errorf("p[%d] = %.17g, want %.17g", i, p[i], want)
		}
	}
	if g[0] != 0.3 {
		t.Errorf("g modified")
	}
}

func TestAdamHand(t *testing.T) {
	cfg := AdamConfig{LR: 0.1, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8}
	// g = 1 then -1: step 2 has m = 0.09-0.1 = -0.01, m/bc1 = -0.01/0.19,
	// v = 0.000999+0.001 = bc2, so p moves by +0.1*(0.01/0.19)/(1+1e-8).
	p, m, v := []float64{0}, []float64{0}, []float64{0}
	AdamStep(cfg, 1, p, []float64{1}, m, v)
	AdamStep(cfg, 2, p, []float64{-1}, m, v)
	want := -0.1/(1+1e-8) + 0.1*(0.01/0.19)/(1+1e-8)
	if math.Abs(p[0]-want) > 1e-12 {
		t.Errorf("Adam 2 steps: p = %.17g, want %.17g", p[0], want)
	}
	// Coupled weight decay (Adam): g' = 1 + 0.1*2 = 1.2, still a sign step.
	cfg.WeightDecay = 0.1
	p, m, v = []float64{2}, []float64{0}, []float64{0}
	AdamStep(cfg, 1, p, []float64{1}, m, v)
	if want := 2 - 0.1*1.2/(1.2+1e-8); math.Abs(p[0]-want) > 1e-15 || math.Abs(m[0]-0.12) > 1e-15 {
		t.Errorf("Adam wd: p, m = %.17g, %g, want %.17g, 0.12", p[0], m[0], want)
	}
	// Decoupled (AdamW): p *= 1 - 0.1*0.1, then the sign step of g = 1.
	cfg.Decoupled = true
	p, m, v = []float64{2}, []float64{0}, []float64{0}
	AdamStep(cfg, 1, p, []float64{1}, m, v)
	if want := 2*0.99 - 0.1/(1+1e-8); math.Abs(p[0]-want) > 1e-15 || math.Abs(m[0]-0.1) > 1e-15 {
		t.Errorf("AdamW: p, m = %.17g, %g, want %.17g, 0.1", p[0], m[0], want)
	}
	expectPanic(t, "short v", func() { AdamStep(cfg, 1, []float64{1}, []float64{1}, []float64{0}, nil) })
}
