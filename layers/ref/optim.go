package ref

import "math"

// SGDConfig holds the hyper-parameters of torch.optim.SGD.
type SGDConfig struct {
	LR, Momentum, Dampening, WeightDecay float64
	Nesterov                             bool
}

// SGDStep applies step t (counting from 1) of torch.optim.SGD to p in place,
// given the gradient g (left unmodified) and the momentum buffer buf (updated
// in place; unused when Momentum is 0):
//
//	g' = g + wd*p
//	if Momentum != 0:
//	    buf = g'                              when t == 1
//	    buf = mom*buf + (1-dampening)*g'      otherwise
//	    g'  = g' + mom*buf  (Nesterov)  or  buf
//	p -= lr * g'
//
// It panics when len(g) != len(p), or len(buf) != len(p) with momentum.
func SGDStep(cfg SGDConfig, t int, p, g, buf []float64) {
	const op = "SGDStep"
	checkLen(op, "g", len(g), len(p))
	if cfg.Momentum != 0 {
		checkLen(op, "buf", len(buf), len(p))
	}
	for i := range p {
		ge := g[i] + cfg.WeightDecay*p[i]
		if cfg.Momentum != 0 {
			if t == 1 {
				buf[i] = ge
			} else {
				buf[i] = cfg.Momentum*buf[i] + (1-cfg.Dampening)*ge
			}
			if cfg.Nesterov {
				ge += cfg.Momentum * buf[i]
			} else {
				ge = buf[i]
			}
		}
		p[i] -= cfg.LR * ge
	}
}

// AdamConfig holds the hyper-parameters of torch.optim.Adam; Decoupled
// selects torch.optim.AdamW (decoupled weight decay).
type AdamConfig struct {
	LR, Beta1, Beta2, Eps, WeightDecay float64
	Decoupled                          bool
}

// AdamStep applies step t (counting from 1) of torch.optim.Adam (or AdamW) to
// p in place, given the gradient g (left unmodified) and the moment buffers m
// and v (updated in place):
//
//	Adam:  g' = g + wd*p            AdamW:  g' = g;  p *= 1 - lr*wd
//	m = b1*m + (1-b1)*g'
//	v = b2*v + (1-b2)*g'^2
//	denom = sqrt(v)/sqrt(1-b2^t) + eps
//	p -= lr/(1-b1^t) * m/denom
//
// It panics when len(g), len(m) or len(v) differ from len(p).
func AdamStep(cfg AdamConfig, t int, p, g, m, v []float64) {
	const op = "AdamStep"
	checkLen(op, "g", len(g), len(p))
	checkLen(op, "m", len(m), len(p))
	checkLen(op, "v", len(v), len(p))
	bc1 := 1 - math.Pow(cfg.Beta1, float64(t))
	bc2 := 1 - math.Pow(cfg.Beta2, float64(t))
	for i := range p {
		ge := g[i]
		if cfg.Decoupled {
			p[i] *= 1 - cfg.LR*cfg.WeightDecay
		} else {
			ge += cfg.WeightDecay * p[i]
		}
		m[i] = cfg.Beta1*m[i] + (1-cfg.Beta1)*ge
		v[i] = cfg.Beta2*v[i] + (1-cfg.Beta2)*ge*ge
		denom := math.Sqrt(v[i])/math.Sqrt(bc2) + cfg.Eps
		p[i] -= cfg.LR / bc1 * m[i] / denom
	}
}
