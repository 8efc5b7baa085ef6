package layers

import (
	"maps"
	"strings"

	"github.com/glcnn/glcnn/gpu"
)

// Fuser is a layer that can compute the layer after it in its own kernels,
// saving that layer's passes over memory (batch norm followed by ReLU:
// BatchNorm.FuseNext). The model builder offers each layer the next one,
// before either is set up.
type Fuser interface {
	// FuseNext makes the layer compute next too, and next a view that
	// returns its input from Forward and its output gradient from Backward
	// and runs no kernel; it reports whether it did. It returns false and
	// changes nothing when it cannot fuse next. A fused pair computes
	// exactly what the two layers compute apart, bit for bit. It panics
	// when either layer is already set up.
	FuseNext(next Layer) bool
}

// Chain runs layers one after the other as one Layer: a layer and the
// layers it fused (Fuser), which the self-check, the benchmark and the
// tests set up, validate and time as one unit. Only the first layer may
// have parameters.
type Chain []Layer

var _ Layer = Chain(nil)

// Kind joins the kinds of the layers with "+" ("bn+relu").
func (c Chain) Kind() string {
	kinds := make([]string, len(c))
	for i, l := range c {
		kinds[i] = l.Kind()
	}
	return strings.Join(kinds, "+")
}

// Setup sets each layer up on the output shape of the one before.
func (c Chain) Setup(d *gpu.Device, in []int, maxBatch int) ([]int, error) {
	cur := in
	for _, l := range c {
		out, err := l.Setup(d, cur, maxBatch)
		if err != nil {
			return nil, err
		}
		cur = out
	}
	return cur, nil
}

// Forward runs the layers in order.
func (c Chain) Forward(x *Tensor, m Mode) *Tensor {
	for _, l := range c {
		x = l.Forward(x, m)
	}
	return x
}

// Backward runs the layers' backward passes in reverse order; the layers
// after the first always produce their input gradient.
func (c Chain) Backward(dy *Tensor, needDX bool) *Tensor {
	for i := len(c) - 1; i >= 0; i-- {
		dy = c[i].Backward(dy, needDX || i > 0)
	}
	return dy
}

// Params lists the layers' parameters in order.
func (c Chain) Params() []*Param {
	var ps []*Param
	for _, l := range c {
		ps = append(ps, l.Params()...)
	}
	return ps
}

// Costs merges the layers' kernels.
func (c Chain) Costs(n int) map[string]Cost {
	m := map[string]Cost{}
	for _, l := range c {
		maps.Copy(m, l.Costs(n))
	}
	return m
}

// Release releases every layer; idempotent.
func (c Chain) Release() {
	for _, l := range c {
		l.Release()
	}
}
