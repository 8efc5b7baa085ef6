package layers

import (
	"fmt"

	"github.com/glcnn/glcnn/gpu"
)

// finiteWG is the workgroup size of nonfinite_count.comp (a power of two).
const finiteWG = 256

// FiniteCheck counts the NaN and infinite values of tensors on the GPU
// (nonfinite_count.comp, checked against ref.NonFinite), so that a trainer
// can tell poisoned weights from good ones before saving them, with one
// small readback instead of downloading every tensor.
type FiniteCheck struct {
	d      *gpu.Device
	prog   *gpu.Program
	counts *gpu.Buffer[uint32] // one count per tensor of a Count call
}

// NewFiniteCheck sets up a check of up to maxTensors tensors per Count. It
// panics unless maxTensors >= 1; it returns an error when the count buffer
// cannot be allocated or the kernel does not compile.
func NewFiniteCheck(d *gpu.Device, maxTensors int) (*FiniteCheck, error) {
	if maxTensors < 1 {
		panic(fmt.Sprintf("layers: NewFiniteCheck(%d tensors)", maxTensors))
	}
	counts, err := gpu.NewBuffer[uint32](d, maxTensors)
	if err != nil {
		return nil, fmt.Errorf("layers: finite check: %w", err)
	}
	k := programs{d: d, op: "finite check"}
	prog := k.get("nonfinite_count", gpu.D("WG", finiteWG))
	if k.err != nil {
		counts.Release()
		return nil, k.err
	}
	return &FiniteCheck{d: d, prog: prog, counts: counts}, nil
}

// Count sets dst[i] to the number of non-finite values among the first
// Len() elements of ts[i]: one dispatch per tensor, one readback in all.
// It panics when len(dst) != len(ts) or there are more tensors than the
// check was set up for.
func (f *FiniteCheck) Count(dst []int, ts []*Tensor) {
	if len(dst) != len(ts) || len(ts) > f.counts.Len() {
		panic(fmt.Sprintf("layers: finite check: %d counts of %d tensors, set up for %d", len(dst), len(ts), f.counts.Len()))
	}
	if len(ts) == 0 {
		return
	}
	for i, t := range ts {
		f.d.Dispatch(f.prog, gpu.Grid1(finiteWG), gpu.Bindings{0: t.Buf, 1: f.counts}, gpu.U("n", t.Len()), gpu.U("slot", i))
	}
	got := make([]uint32, len(ts))
	f.counts.DownloadAt(got, 0)
	for i, c := range got {
		dst[i] = int(c)
	}
}

// Release frees the count buffer; idempotent.
func (f *FiniteCheck) Release() {
	if f != nil {
		f.counts.Release()
	}
}
