package data

import (
	"fmt"
	"math/rand/v2"

	"github.com/glcnn/glcnn/gpu"
)

// Resident is a Set uploaded once to the GPU: pixels as u8 (60,000 28x28
// images are 47 MB, where float32 would pass llvmpipe's 128 MiB binding
// limit) and labels as u32. Batches are gathered from it on the GPU, so a
// training epoch uploads only its permutation.
type Resident struct {
	N, H, W  int
	Labelled bool
	pixels   *gpu.Buffer[uint8]
	labels   *gpu.Buffer[uint32]
	order    *gpu.Buffer[uint32] // the identity permutation, for evaluation
	perm     *gpu.Buffer[uint32] // the current epoch's permutation
	prog     *gpu.Program
	dev      *gpu.Device
}

// Normalize maps a raw pixel v in [0,255] to (v*Scale - Mean) / Std.
type Normalize struct{ Scale, Mean, Std float64 }

// DefaultNormalize is the article's: pixels scaled to [0,1].
var DefaultNormalize = Normalize{Scale: 1.0 / 255, Mean: 0, Std: 1}

// Augment is the random augmentation of a training batch.
type Augment struct {
	Flip  bool // horizontal flip with probability 1/2
	Shift int  // shift by up to Shift pixels in x and y, zero fill
}

// Upload copies s to the GPU. Unlabelled sets get label 0 everywhere. It
// returns the device's error when the gather kernel does not compile or a
// buffer cannot be allocated (nothing is left allocated then).
func Upload(d *gpu.Device, s *Set) (*Resident, error) {
	r := &Resident{N: s.N, H: s.H, W: s.W, Labelled: s.Labels != nil, dev: d}
	var err error
	if r.prog, err = d.Program("gather_u8"); err != nil {
		return nil, fmt.Errorf("data: the batch gather kernel: %w", err)
	}
	if r.pixels, err = gpu.NewBuffer[uint8](d, len(s.Pixels)); err != nil {
		return nil, fmt.Errorf("data: uploading %d images: %w", s.N, err)
	}
	r.pixels.Upload(s.Pixels)
	labels := make([]uint32, s.N)
	order := make([]uint32, s.N)
	for i := range labels {
		if s.Labels != nil {
			labels[i] = uint32(s.Labels[i])
		}
		order[i] = uint32(i)
	}
	if r.labels, err = gpu.NewBuffer[uint32](d, s.N); err == nil {
		r.order, err = gpu.NewBuffer[uint32](d, s.N)
	}
	if err == nil {
		r.perm, err = gpu.NewBuffer[uint32](d, s.N)
	}
	if err != nil {
		r.Release()
		return nil, err
	}
	r.labels.Upload(labels)
	r.order.Upload(order)
	return r, nil
}

// Shuffle uploads the permutation of an epoch: seeded by (seed, epoch), so
// a resumed run sees the same order as an uninterrupted one.
func (r *Resident) Shuffle(seed uint64, epoch int) {
	r.perm.Upload(Permutation(r.N, seed, epoch))
}

// Permutation is the sample order of an epoch.
func Permutation(n int, seed uint64, epoch int) []uint32 {
	rng := rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15^uint64(epoch)))
	p := make([]uint32, n)
	for i := range p {
		p[i] = uint32(i)
	}
	rng.Shuffle(n, func(i, j int) { p[i], p[j] = p[j], p[i] })
	return p
}

// Batch describes one gather: rows [Start, Start+N) of the order.
type Batch struct {
	Start, N  int
	Shuffled  bool // use the epoch's permutation (else the identity order)
	Augment   Augment
	Seed      uint32 // augmentation seed of this step
	Normalize Normalize
}

// Gather writes batch rows as float32 images (n,1,H,W) into x and their
// labels into labels, on the GPU.
func (r *Resident) Gather(x *gpu.Buffer[float32], labels *gpu.Buffer[uint32], b Batch) {
	if b.Start < 0 || b.N < 0 || b.Start+b.N > r.N || x.Len() < b.N*r.H*r.W || labels.Len() < b.N {
		panic(fmt.Sprintf("data: Gather rows [%d,%d) of %d into %d floats, %d labels", b.Start, b.Start+b.N, r.N, x.Len(), labels.Len()))
	}
	order := r.order
	if b.Shuffled {
		order = r.perm
	}
	nm := b.Normalize
	if nm.Std == 0 {
		nm = DefaultNormalize
	}
	flip, shift := 0, 0
	if b.Augment.Flip {
		flip = 1
	}
	shift = b.Augment.Shift
	r.dev.Dispatch(r.prog, gpu.Grid1(b.N*r.H*r.W),
		gpu.Bindings{0: r.pixels, 1: r.labels, 2: order, 3: x, 4: labels},
		gpu.U("n", b.N), gpu.U("start", b.Start), gpu.U("H", r.H), gpu.U("W", r.W),
		gpu.U("scale", nm.Scale), gpu.U("mean", nm.Mean), gpu.U("invstd", 1/nm.Std),
		gpu.U("flip", flip), gpu.U("shift", shift), gpu.U("seed", b.Seed))
}

// Release frees the GPU copies; idempotent.
func (r *Resident) Release() {
	r.pixels.Release()
	r.labels.Release()
	r.order.Release()
	r.perm.Release()
}
