package layers

import (
	"fmt"

	"github.com/glcnn/glcnn/gpu"
)

// Flatten reshapes (N, C, H, W) to (N, C*H*W): a view of its input's
// buffer, with no kernel and no copy either way.
type Flatten struct {
	in []int
	n  int
}

var _ Layer = (*Flatten)(nil)

// NewFlatten returns a Flatten.
func NewFlatten() *Flatten { return &Flatten{} }

// Kind is "flatten".
func (l *Flatten) Kind() string { return "flatten" }

// Setup records the per-sample shape; the output is its product.
func (l *Flatten) Setup(d *gpu.Device, in []int, maxBatch int) ([]int, error) {
	if len(in) == 0 || Numel(in) <= 0 || maxBatch <= 0 {
		return nil, fmt.Errorf("layers: flatten: input shape %v batch %d", in, maxBatch)
	}
	l.in, l.n = append([]int(nil), in...), maxBatch
	return []int{Numel(in)}, nil
}

// Forward returns x viewed as (N, F).
func (l *Flatten) Forward(x *Tensor, m Mode) *Tensor {
	n := batchOf("flatten", x, l.in, l.n)
	return x.View(n, Numel(l.in))
}

// Backward returns dy viewed as the input shape (nil when !needDX).
func (l *Flatten) Backward(dy *Tensor, needDX bool) *Tensor {
	n := batchOf("flatten backward", dy, []int{Numel(l.in)}, l.n)
	if !needDX {
		return nil
	}
	return dy.View(append([]int{n}, l.in...)...)
}

// Params is empty.
func (l *Flatten) Params() []*Param { return nil }

// Costs is empty: no kernel runs.
func (l *Flatten) Costs(n int) map[string]Cost { return map[string]Cost{} }

// Release does nothing: a Flatten owns no buffers.
func (l *Flatten) Release() {}
