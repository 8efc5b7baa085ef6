package trainer

import (
	"fmt"
	"math/rand/v2"

	"github.com/glcnn/glcnn/gpu"
	"github.com/glcnn/glcnn/layers"
	"github.com/glcnn/glcnn/safetensors"
)

// Model is a sequential network on the GPU, built from a Spec.
type Model struct {
	Spec     Spec
	In       []int // per-sample input shape (C,H,W)
	Classes  int
	MaxBatch int
	Layers   []layers.Layer // Layers[i] is Spec[i]
	// Fused[i] says that Layers[i] was fused into the layer before it
	// (layers.Fuser), which computes it: Layers[i] is a view.
	Fused []bool
	dev   *gpu.Device
}

// ModelOptions are the choices NewModel makes that do not change what a
// model computes.
type ModelOptions struct {
	// Variants[i], when present, is the kernel variant of spec[i] (see
	// [NewLayer]); nil means every layer's default.
	Variants map[int]string
	// NoFuse keeps every layer to its own kernels; by default a layer that
	// can compute the one after it does (layers.Fuser: batch norm and the
	// ReLU after it), with the same results bit for bit.
	NoFuse bool
}

// NewModel checks the spec's shapes, builds its layers (fusing adjacent
// ones unless opt.NoFuse) and sets every layer up for batches of up to
// maxBatch.
func NewModel(d *gpu.Device, spec Spec, in []int, classes, maxBatch int, opt ModelOptions) (*Model, error) {
	shapes, err := spec.Shapes(in, classes)
	if err != nil {
		return nil, err
	}
	ls, fused := newLayers(spec, in, shapes, opt)
	m := &Model{Spec: spec, In: in, Classes: classes, MaxBatch: maxBatch, Fused: fused, dev: d}
	cur := in
	for i, l := range ls {
		out, err := l.Setup(d, cur, maxBatch)
		if err != nil {
			m.Release()
			return nil, fmt.Errorf("arch: layer %d %q: %w", i+1, spec[i], err)
		}
		m.Layers = append(m.Layers, l)
		cur = out
	}
	return m, nil
}

// newLayers builds the layers of spec (not set up) on per-sample input in,
// whose layers' output shapes are shapes, and, unless opt.NoFuse, lets each
// layer that can (layers.Fuser) fuse the ones after it; fused[i] says that
// layer i was fused into the one before.
func newLayers(spec Spec, in []int, shapes [][]int, opt ModelOptions) (ls []layers.Layer, fused []bool) {
	cur := in
	for i, it := range spec {
		ls = append(ls, NewLayer(it, uint32(i), len(cur) == 1, opt.Variants[i]))
		cur = shapes[i]
	}
	fused = make([]bool, len(ls))
	if opt.NoFuse {
		return ls, fused
	}
	for i := range ls {
		if fused[i] {
			continue // a view now
		}
		f, ok := ls[i].(layers.Fuser)
		for j := i + 1; ok && j < len(ls) && f.FuseNext(ls[j]); j++ {
			fused[j] = true
		}
	}
	return ls, fused
}

// Fusions says which layers of spec on per-sample input in a model fuses
// into the layer before them (see [ModelOptions]): what NewModel's
// Model.Fused will be, without a device.
func Fusions(spec Spec, in []int, classes int, opt ModelOptions) ([]bool, error) {
	shapes, err := spec.Shapes(in, classes)
	if err != nil {
		return nil, err
	}
	_, fused := newLayers(spec, in, shapes, opt)
	return fused, nil
}

// NewLayer builds the layer of spec item it, the index-th of its network
// (dropout masks are salted by it); flat says whether its input is a
// flattened vector (batch norm is then BatchNorm1d). variant selects the
// kernels of an op with variants (conv, fc: layers.VariantDirect, ...; ""
// is the op's default) and must be "" for other ops; an unknown one makes
// the layer's Setup fail.
func NewLayer(it Item, index uint32, flat bool, variant string) layers.Layer {
	it, err := it.Resolve()
	if err != nil {
		panic(fmt.Sprintf("trainer: NewLayer(%q): %v", it, err))
	}
	return it.Op.New(it.Attrs, layers.Site{Index: int(index), FlatInput: flat, Variant: variant})
}

// Init sets the parameters as PyTorch's defaults do, from a seeded PCG,
// by each op's rule (layers.Def.Init): conv and linear weights
// Kaiming-uniform with a=√5 and biases uniform, both U(-1/√fan_in,
// 1/√fan_in); batch-norm γ=1, β=0, running mean 0, var 1.
func (m *Model) Init(seed uint64) {
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	for i, l := range m.Layers {
		it, _ := m.Spec[i].Resolve() // NewModel built the layer from it
		it.Op.Init(l.Params(), rng)
	}
}

// Forward runs every layer; the logits are valid until the next Forward.
func (m *Model) Forward(x *layers.Tensor, mode layers.Mode) *layers.Tensor {
	for _, l := range m.Layers {
		x = l.Forward(x, mode)
	}
	return x
}

// Backward propagates dlogits through every layer, adding to the
// parameter gradients.
func (m *Model) Backward(dy *layers.Tensor) {
	for i := len(m.Layers) - 1; i >= 0; i-- {
		dy = m.Layers[i].Backward(dy, i > 0)
	}
}

// Params lists the trainable parameters (those with a gradient).
func (m *Model) Params() []*layers.Param {
	var ps []*layers.Param
	for _, l := range m.Layers {
		for _, p := range l.Params() {
			if p.Grad != nil {
				ps = append(ps, p)
			}
		}
	}
	return ps
}

// stateName is the state_dict name of parameter or buffer name of layer i
// ("0.weight"), as in the equivalent nn.Sequential.
func stateName(i int, name string) string { return fmt.Sprintf("%d.%s", i, name) }

// StateDict downloads every parameter and buffer under the names the
// equivalent PyTorch nn.Sequential's state_dict uses ("0.weight", ...).
func (m *Model) StateDict() []safetensors.Tensor {
	var ts []safetensors.Tensor
	for i, l := range m.Layers {
		for _, p := range l.Params() {
			ts = append(ts, safetensors.Tensor{Name: stateName(i, p.Name), DType: safetensors.F32,
				Shape: append([]int(nil), p.Value.Shape...), F32: p.Value.Read()})
		}
		if bn, ok := l.(*layers.BatchNorm); ok {
			ts = append(ts, safetensors.Tensor{Name: fmt.Sprintf("%d.num_batches_tracked", i), DType: safetensors.I64,
				Shape: []int{}, I64: []int64{bn.NumBatchesTracked}})
		}
	}
	return ts
}

// LoadStateDict uploads tensors by name; every parameter and buffer of the
// model must be present with its shape, and nothing else (strict, as
// PyTorch's load_state_dict).
func (m *Model) LoadStateDict(ts []safetensors.Tensor) error {
	byName := map[string]*safetensors.Tensor{}
	for i := range ts {
		byName[ts[i].Name] = &ts[i]
	}
	used := 0
	for i, l := range m.Layers {
		for _, p := range l.Params() {
			name := stateName(i, p.Name)
			t := byName[name]
			if t == nil {
				return fmt.Errorf("missing tensor %s", name)
			}
			if t.DType != "F32" || shapeString(t.Shape) != shapeString(p.Value.Shape) {
				return fmt.Errorf("tensor %s is %s %v, the model needs F32 %v", name, t.DType, t.Shape, p.Value.Shape)
			}
			p.Value.Buf.UploadAt(0, t.F32)
			used++
		}
		if bn, ok := l.(*layers.BatchNorm); ok {
			name := fmt.Sprintf("%d.num_batches_tracked", i)
			if t := byName[name]; t != nil && t.DType == "I64" && len(t.I64) == 1 {
				bn.NumBatchesTracked = t.I64[0]
				used++
			}
		}
	}
	if used != len(ts) {
		for _, t := range ts {
			if !m.hasTensor(t.Name) {
				return fmt.Errorf("unexpected tensor %s (the file is for another architecture)", t.Name)
			}
		}
	}
	return nil
}

func (m *Model) hasTensor(name string) bool {
	for i, l := range m.Layers {
		for _, p := range l.Params() {
			if name == stateName(i, p.Name) {
				return true
			}
		}
		if _, ok := l.(*layers.BatchNorm); ok && name == fmt.Sprintf("%d.num_batches_tracked", i) {
			return true
		}
	}
	return false
}

// Costs sums every kernel's cost at batch n for one forward pass and one
// training step (forward and backward).
func (m *Model) Costs(n int) (forward, step layers.Cost) {
	for _, l := range m.Layers {
		for name, c := range l.Costs(n) {
			step.FLOPs += c.FLOPs
			step.Bytes += c.Bytes
			if isForwardKernel(name) {
				forward.FLOPs += c.FLOPs
				forward.Bytes += c.Bytes
			}
		}
	}
	return forward, step
}

func isForwardKernel(name string) bool {
	return len(name) > 4 && name[len(name)-4:] == "_fwd"
}

// Release frees every layer's buffers; idempotent.
func (m *Model) Release() {
	for _, l := range m.Layers {
		l.Release()
	}
}
