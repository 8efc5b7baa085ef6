package layers

import (
	"fmt"
	"math"

	"github.com/glcnn/glcnn/gpu"
)

// Optimizer updates parameters in place on the GPU from their gradients,
// with torch.optim's update rules. Only Params with a Grad are updated.
type Optimizer interface {
	// Step applies one update with learning rate lr (a schedule's value:
	// an optimizer holds no learning rate of its own).
	Step(lr float64)
	// State returns the number of steps taken and the state buffers in a
	// fixed order (see each optimizer), so that a checkpoint can save them
	// and restore them bit-exactly by uploading into the same tensors.
	State() (step int, bufs []*Tensor)
	// SetStep sets the number of steps taken (after restoring State).
	SetStep(step int)
	// Release frees the state buffers; idempotent.
	Release()
}

// ZeroGrads sets every gradient of params to zero, on the GPU.
func ZeroGrads(params []*Param) {
	for _, p := range params {
		if p.Grad != nil {
			p.Grad.Buf.Fill(0)
		}
	}
}

// trainable returns the params that have a gradient.
func trainable(params []*Param) []*Param {
	var ps []*Param
	for _, p := range params {
		if p.Grad != nil {
			ps = append(ps, p)
		}
	}
	return ps
}

// newStates allocates zeroed tensors shaped like each param's value, k per
// param, interleaved (param 0's k tensors, then param 1's, ...).
func newStates(d *gpu.Device, ps []*Param, k int) ([]*Tensor, error) {
	var ts []*Tensor
	for _, p := range ps {
		for range k {
			t, err := NewTensor(d, p.Value.Shape...)
			if err != nil {
				releaseAll(ts...)
				return nil, err
			}
			ts = append(ts, t)
		}
	}
	return ts, nil
}

// SGDConfig holds torch.optim.SGD's hyper-parameters.
type SGDConfig struct {
	Momentum, Dampening, WeightDecay float64
	Nesterov                         bool
}

// SGD is torch.optim.SGD: momentum, dampening, Nesterov momentum and
// (coupled) weight decay. State holds one momentum buffer per trainable
// param, in the order of params (none without momentum).
type SGD struct {
	Config SGDConfig

	d      *gpu.Device
	params []*Param
	bufs   []*Tensor
	step   int
	prog   *gpu.Program
}

var _ Optimizer = (*SGD)(nil)

// NewSGD returns an SGD optimizer over the params that have gradients. It
// returns an error for Nesterov without momentum or with dampening (as
// torch does), when a buffer cannot be allocated and when the kernel does
// not compile.
func NewSGD(d *gpu.Device, params []*Param, cfg SGDConfig) (*SGD, error) {
	if cfg.Nesterov && (cfg.Momentum <= 0 || cfg.Dampening != 0) {
		return nil, fmt.Errorf("layers: SGD: Nesterov momentum requires a momentum and zero dampening")
	}
	k := programs{d: d, op: "SGD"}
	o := &SGD{Config: cfg, d: d, params: trainable(params),
		prog: k.get("sgd_step", gpu.D("MOMENTUM", bit(cfg.Momentum != 0)))}
	if k.err != nil {
		return nil, k.err
	}
	if cfg.Momentum != 0 {
		var err error
		if o.bufs, err = newStates(d, o.params, 1); err != nil {
			return nil, fmt.Errorf("layers: SGD: %w", err)
		}
	}
	return o, nil
}

// Step applies one SGD step with learning rate lr.
func (o *SGD) Step(lr float64) {
	o.step++
	c := o.Config
	first, nesterov := 0, 0
	if o.step == 1 {
		first = 1
	}
	if c.Nesterov {
		nesterov = 1
	}
	for i, p := range o.params {
		var buf gpu.Storage // the momentum buffer, bound only with momentum
		if o.bufs != nil {
			buf = o.bufs[i].Buf
		}
		n := p.Value.Len()
		o.d.Dispatch(o.prog, gpu.Grid1(n), gpu.Bindings{0: p.Value.Buf, 1: p.Grad.Buf, 2: buf},
			gpu.U("n", n), gpu.U("lr", lr), gpu.U("momentum", c.Momentum), gpu.U("dampening", c.Dampening),
			gpu.U("wd", c.WeightDecay), gpu.U("nesterov", nesterov), gpu.U("first", first))
	}
}

// State returns the step count and the momentum buffers.
func (o *SGD) State() (int, []*Tensor) { return o.step, o.bufs }

// SetStep sets the step count; a positive count means the momentum buffers
// hold history (torch's buffers exist), zero that the next step is the first.
func (o *SGD) SetStep(step int) { o.step = step }

// Costs reports one Step's sgd_step over all params.
func (o *SGD) Costs() map[string]Cost {
	n := int64(numelOf(o.params))
	bytes := 12 * n
	if o.Config.Momentum != 0 {
		bytes += 8 * n
	}
	return map[string]Cost{"sgd_step": {FLOPs: 6 * n, Bytes: bytes}}
}

// Release frees the momentum buffers; idempotent.
func (o *SGD) Release() {
	releaseAll(o.bufs...)
	o.bufs = nil
}

// AdamConfig holds torch.optim.Adam's hyper-parameters; Decoupled selects
// torch.optim.AdamW (decoupled weight decay).
type AdamConfig struct {
	Beta1, Beta2, Eps, WeightDecay float64
	Decoupled                      bool
}

// DefaultAdam is torch.optim.Adam's defaults: betas (0.9, 0.999), eps
// 1e-8, no weight decay (the learning rate is Step's argument).
func DefaultAdam() AdamConfig {
	return AdamConfig{Beta1: 0.9, Beta2: 0.999, Eps: 1e-8}
}

// Adam is torch.optim.Adam and AdamW (no amsgrad). State holds, for each
// trainable param in order, exp_avg then exp_avg_sq.
type Adam struct {
	Config AdamConfig

	d      *gpu.Device
	params []*Param
	bufs   []*Tensor
	step   int
	prog   *gpu.Program
}

var _ Optimizer = (*Adam)(nil)

// NewAdam returns an Adam (or AdamW) optimizer over the params that have
// gradients. It returns an error for betas outside [0,1), when a buffer
// cannot be allocated and when the kernel does not compile.
func NewAdam(d *gpu.Device, params []*Param, cfg AdamConfig) (*Adam, error) {
	if !(cfg.Beta1 >= 0 && cfg.Beta1 < 1 && cfg.Beta2 >= 0 && cfg.Beta2 < 1) {
		return nil, fmt.Errorf("layers: Adam: betas (%v, %v) outside [0,1)", cfg.Beta1, cfg.Beta2)
	}
	k := programs{d: d, op: "Adam"}
	o := &Adam{Config: cfg, d: d, params: trainable(params), prog: k.get("adam_step")}
	if k.err != nil {
		return nil, k.err
	}
	var err error
	if o.bufs, err = newStates(d, o.params, 2); err != nil {
		return nil, fmt.Errorf("layers: Adam: %w", err)
	}
	return o, nil
}

// Step applies one Adam step with learning rate lr; the bias corrections
// are computed here in float64.
func (o *Adam) Step(lr float64) {
	o.step++
	c := o.Config
	t := float64(o.step)
	stepSize := lr / (1 - math.Pow(c.Beta1, t))
	bc2sqrt := math.Sqrt(1 - math.Pow(c.Beta2, t))
	dec := 0
	if c.Decoupled {
		dec = 1
	}
	for i, p := range o.params {
		n := p.Value.Len()
		o.d.Dispatch(o.prog, gpu.Grid1(n), gpu.Bindings{0: p.Value.Buf, 1: p.Grad.Buf, 2: o.bufs[2*i].Buf, 3: o.bufs[2*i+1].Buf},
			gpu.U("n", n), gpu.U("beta1", c.Beta1), gpu.U("beta2", c.Beta2), gpu.U("omb1", 1-c.Beta1),
			gpu.U("omb2", 1-c.Beta2), gpu.U("eps", c.Eps), gpu.U("wd", c.WeightDecay),
			gpu.U("decay", 1-lr*c.WeightDecay), gpu.U("decoupled", dec),
			gpu.U("stepSize", stepSize), gpu.U("bc2sqrt", bc2sqrt))
	}
}

// State returns the step count and exp_avg, exp_avg_sq of each param.
func (o *Adam) State() (int, []*Tensor) { return o.step, o.bufs }

// SetStep sets the step count, which the bias corrections depend on.
func (o *Adam) SetStep(step int) { o.step = step }

// Costs reports one Step's adam_step over all params.
func (o *Adam) Costs() map[string]Cost {
	n := int64(numelOf(o.params))
	return map[string]Cost{"adam_step": {FLOPs: 14 * n, Bytes: 28 * n}}
}

// Release frees the moment buffers; idempotent.
func (o *Adam) Release() {
	releaseAll(o.bufs...)
	o.bufs = nil
}

func numelOf(ps []*Param) int {
	n := 0
	for _, p := range ps {
		n += p.Value.Len()
	}
	return n
}
