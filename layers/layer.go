package layers

import (
	"fmt"

	"github.com/glcnn/glcnn/gpu"
)

// Tensor is a float32 tensor in a GPU buffer. Shape[0] is the batch; the
// buffer may be larger than the shape (a layer's buffers are sized for its
// largest batch).
type Tensor struct {
	Buf   *gpu.Buffer[float32]
	Shape []int
}

// NewTensor allocates a zeroed tensor of the given shape.
func NewTensor(d *gpu.Device, shape ...int) (*Tensor, error) {
	b, err := gpu.NewBuffer[float32](d, Numel(shape))
	if err != nil {
		return nil, err
	}
	return &Tensor{Buf: b, Shape: append([]int(nil), shape...)}, nil
}

// Numel is the number of elements of a shape.
func Numel(shape []int) int {
	n := 1
	for _, s := range shape {
		n *= s
	}
	return n
}

// Len is the number of elements the shape covers.
func (t *Tensor) Len() int { return Numel(t.Shape) }

// View returns a tensor sharing t's buffer with another shape of at most as
// many elements (Flatten, and a batch prefix of a layer's output).
func (t *Tensor) View(shape ...int) *Tensor {
	if Numel(shape) > t.Buf.Len() {
		panic(fmt.Sprintf("layers: view %v of a buffer of %d", shape, t.Buf.Len()))
	}
	return &Tensor{Buf: t.Buf, Shape: shape}
}

// Read downloads the tensor's elements (tests and checkpoints only).
func (t *Tensor) Read() []float32 {
	dst := make([]float32, t.Len())
	t.Buf.DownloadAt(dst, 0)
	return dst
}

// Release frees the buffer; idempotent.
func (t *Tensor) Release() {
	if t != nil {
		t.Buf.Release()
	}
}

// Param is a named parameter or buffer of a layer, as in a PyTorch
// state_dict ("weight", "bias", "running_mean", ...). Grad is nil for
// non-trainable buffers (batch-norm running statistics).
type Param struct {
	Name  string
	Value *Tensor
	Grad  *Tensor
}

// Mode says how a forward pass runs.
type Mode struct {
	Train bool   // batch statistics in batch norm, dropout active
	Seed  uint32 // per-step seed for dropout masks, chosen by the trainer
}

// Cost is the arithmetic and memory traffic of one call at a given batch:
// the roofline model the benchmark judges each kernel by. Bytes counts each
// tensor read or written once (ideal caching).
type Cost struct {
	FLOPs int64
	Bytes int64
}

// Layer is one op of a sequential network.
type Layer interface {
	// Kind names the op as in an arch spec ("conv", "bn", "relu", ...).
	Kind() string
	// Setup allocates for per-sample input shape in (C,H,W or F) and
	// batches up to maxBatch, and returns the per-sample output shape. It
	// returns an error for an impossible shape (say, a kernel larger than
	// the padded input) or a buffer past the device's limits.
	Setup(d *gpu.Device, in []int, maxBatch int) ([]int, error)
	// Forward computes the output of a batch; the result is valid until
	// the next Forward.
	Forward(x *Tensor, m Mode) *Tensor
	// Backward takes the gradient of the loss w.r.t. the last Forward's
	// output, adds the parameter gradients into Param.Grad, and returns the
	// gradient w.r.t. the input (nil when needDX is false: first layer).
	Backward(dy *Tensor, needDX bool) *Tensor
	// Params lists parameters and buffers in PyTorch state_dict order.
	Params() []*Param
	// Costs reports each kernel's cost at batch n, by kernel name
	// ("conv2d_fwd", "conv2d_bwd_data", ...).
	Costs(n int) map[string]Cost
	// Release frees every buffer; idempotent.
	Release()
}

// batchOf checks a per-sample shape and returns the batch of x.
func batchOf(op string, x *Tensor, in []int, maxBatch int) int {
	n := x.Shape[0]
	if n < 1 || n > maxBatch || Numel(x.Shape[1:]) != Numel(in) {
		panic(fmt.Sprintf("layers: %s: input %v, set up for %v x %v", op, x.Shape, maxBatch, in))
	}
	return n
}

// releaseAll releases tensors, skipping nil ones.
func releaseAll(ts ...*Tensor) {
	for _, t := range ts {
		t.Release()
	}
}

// tensorAlloc allocates a layer's tensors in Setup, keeping the first
// error (later calls then return nil), as programs does for kernels, so
// that Setup checks once.
type tensorAlloc struct {
	d   *gpu.Device
	err error
}

// get returns a new tensor of shape, or nil after an error.
func (a *tensorAlloc) get(shape ...int) *Tensor {
	if a.err != nil {
		return nil
	}
	var t *Tensor
	t, a.err = NewTensor(a.d, shape...)
	return t
}

// releaseParams releases the value and gradient of each parameter,
// skipping nil ones.
func releaseParams(ps ...*Param) {
	for _, p := range ps {
		if p != nil {
			releaseAll(p.Value, p.Grad)
		}
	}
}

// programs compiles a layer's kernels in Setup, keeping the first error
// (wrapped with the layer's kind) so that Setup can return it: a kernel
// that does not compile on the user's driver is an error of the
// environment, not a panic.
type programs struct {
	d   *gpu.Device
	op  string // the layer's kind, for the error
	err error
}

// get returns the program of kernel name with the given defines, or nil
// after an error.
func (k *programs) get(name string, defines ...gpu.Define) *gpu.Program {
	if k.err != nil {
		return nil
	}
	p, err := k.d.Program(name, defines...)
	if err != nil {
		k.err = fmt.Errorf("layers: %s: %w", k.op, err)
	}
	return p
}
