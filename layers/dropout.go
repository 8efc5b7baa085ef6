package layers

import (
	"fmt"

	"github.com/glcnn/glcnn/gpu"
	"github.com/glcnn/glcnn/layers/ref"
)

// Dropout is PyTorch's (inverted) Dropout(p): in training mode each element
// is zeroed with probability p and the others are scaled by 1/(1-p); in eval
// mode it is the identity. The mask is drawn on the GPU from a counter-based
// hash (shaders/rng.glsl, bit-exact with ref.Uniform): element i of a batch
// is kept when ref.Uniform(DropoutSeed(m.Seed, Salt), i) >= float32(p).
//
// The mask depends only on the step seed, the salt and the element's index
// in the batch: a trainer that processes a batch in chunks must give each
// chunk its own Mode.Seed, and layers of one network need distinct salts.
type Dropout struct {
	P    float64
	Salt uint32

	d           *gpu.Device
	in          []int
	maxBatch, n int
	trained     bool
	y, dx       *Tensor
	mask        *gpu.Buffer[uint32]
	fwd, bwd    *gpu.Program
}

var _ Layer = (*Dropout)(nil)

// NewDropout returns a dropout layer with drop probability p and a salt that
// tells its mask stream from other dropout layers'. It panics unless
// 0 <= p < 1.
func NewDropout(p float64, salt uint32) *Dropout {
	if !(p >= 0 && p < 1) {
		panic(fmt.Sprintf("layers: NewDropout(%v): p must be in [0,1)", p))
	}
	return &Dropout{P: p, Salt: salt}
}

// DropoutSeed is the seed of a dropout layer's mask stream at a step:
// step ^ ref.Hash32(salt), hashing the salt so that small salts (layer numbers)
// land far apart. ref.DropoutForward takes this seed.
func DropoutSeed(step, salt uint32) uint32 { return step ^ ref.Hash32(salt) }

// Kind returns "dropout".
func (l *Dropout) Kind() string { return "dropout" }

// Setup allocates for any per-sample shape; the output shape is the input's.
func (l *Dropout) Setup(d *gpu.Device, in []int, maxBatch int) ([]int, error) {
	if len(in) == 0 || Numel(in) <= 0 {
		return nil, fmt.Errorf("layers: dropout: input %v", in)
	}
	l.Release()
	l.d, l.maxBatch, l.in = d, maxBatch, append([]int(nil), in...)
	shape := append([]int{maxBatch}, in...)
	var err error
	if l.y, err = NewTensor(d, shape...); err == nil {
		if l.dx, err = NewTensor(d, shape...); err == nil {
			l.mask, err = gpu.NewBuffer[uint32](d, (Numel(shape)+31)/32)
		}
	}
	if err != nil {
		l.Release()
		return nil, fmt.Errorf("layers: dropout: %w", err)
	}
	k := programs{d: d, op: "dropout"}
	l.fwd, l.bwd = k.get("dropout_fwd"), k.get("dropout_bwd")
	if k.err != nil {
		l.Release()
		return nil, k.err
	}
	return append([]int(nil), in...), nil
}

func (l *Dropout) scale() float64 { return 1 / (1 - l.P) }

// Forward applies the mask of step m.Seed in training mode and copies x
// (on the GPU) in eval mode.
func (l *Dropout) Forward(x *Tensor, m Mode) *Tensor {
	l.n = batchOf("dropout", x, l.in, l.maxBatch)
	l.trained = m.Train
	total := l.n * Numel(l.in)
	if !m.Train {
		l.y.Buf.CopyFrom(x.Buf, 0, 0, total)
	} else {
		l.d.Dispatch(l.fwd, gpu.Grid1((total+31)/32), gpu.Bindings{0: x.Buf, 1: l.y.Buf, 2: l.mask},
			gpu.U("n", total), gpu.U("seed", DropoutSeed(m.Seed, l.Salt)), gpu.U("p", l.P), gpu.U("scale", l.scale()))
	}
	return l.y.View(append([]int{l.n}, l.in...)...)
}

// Backward returns dx = dy * mask of the last Forward, which must have been
// in training mode (it panics otherwise).
func (l *Dropout) Backward(dy *Tensor, needDX bool) *Tensor {
	if !needDX {
		return nil
	}
	if !l.trained {
		panic("layers: dropout: Backward without a training-mode Forward")
	}
	total := l.n * Numel(l.in)
	if dy.Len() != total {
		panic(fmt.Sprintf("layers: dropout: dy %v after a forward of batch %d", dy.Shape, l.n))
	}
	l.d.Dispatch(l.bwd, gpu.Grid1(total), gpu.Bindings{0: dy.Buf, 1: l.mask, 2: l.dx.Buf},
		gpu.U("n", total), gpu.U("scale", l.scale()))
	return l.dx.View(append([]int{l.n}, l.in...)...)
}

// Params returns nil: dropout has no parameters.
func (l *Dropout) Params() []*Param { return nil }

// Costs counts the hash (about 10 integer operations) as FLOPs.
func (l *Dropout) Costs(n int) map[string]Cost {
	total := int64(n * Numel(l.in))
	words := (total + 31) / 32
	return map[string]Cost{
		"dropout_fwd": {FLOPs: 12 * total, Bytes: 8*total + 4*words},
		"dropout_bwd": {FLOPs: total, Bytes: 8*total + 4*words},
	}
}

// Release frees the layer's buffers; idempotent.
func (l *Dropout) Release() {
	releaseAll(l.y, l.dx)
	if l.mask != nil {
		l.mask.Release()
	}
	l.y, l.dx, l.mask = nil, nil, nil
}
