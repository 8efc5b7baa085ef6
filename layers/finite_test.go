package layers

import (
	"math"
	"testing"

	"github.com/glcnn/glcnn/gpu/gputest"
	"github.com/glcnn/glcnn/layers/ref"
)

// TestFiniteCheck counts the non-finite values of tensors of sizes around
// the workgroup's, with NaNs of every bit pattern, infinities, the largest
// finite values and subnormals, against ref.NonFinite; the counts of
// tensors not asked about (the canary band of the count buffer) stay as
// they were.
func TestFiniteCheck(t *testing.T) {
	d := gputest.Device(t)
	specials := []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)),
		math.Float32frombits(0x7f800001), math.Float32frombits(0xffc00000), math.Float32frombits(0xffffffff),
		math.MaxFloat32, -math.MaxFloat32, math.SmallestNonzeroFloat32, float32(math.Copysign(0, -1))}
	sizes := []int{1, 2, finiteWG - 1, finiteWG, finiteWG + 1, 3*finiteWG + 7, 100003}
	var ts []*Tensor
	var want []int
	for i, n := range sizes {
		x := ref.Float32s(ref.RandN(int64(3000+i), n))
		// Seeded positions for the special values; more of them in later tensors.
		pos := ref.RandN(int64(3100+i), 2*i+1)
		for j, p := range pos {
			x[int((p+1)/2*float64(n))%n] = specials[(i+j)%len(specials)]
		}
		tn, err := NewTensor(d, n)
		if err != nil {
			t.Fatal(err)
		}
		defer tn.Release()
		tn.Buf.Upload(x)
		ts = append(ts, tn)
		want = append(want, ref.NonFinite(x))
	}
	f, err := NewFiniteCheck(d, len(ts)+2)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Release()
	const canary = 0xdeadbeef
	f.counts.Fill(canary)
	got := make([]int, len(ts))
	f.Count(got, ts)
	for i := range ts {
		if got[i] != want[i] {
			t.Errorf("tensor %d (%d values): %d non-finite, want %d", i, sizes[i], got[i], want[i])
		}
	}
	for i, c := range f.counts.Read()[len(ts):] {
		if c != canary {
			t.Errorf("count slot %d (past %d) overwritten: %#x", len(ts)+i, len(ts), c)
		}
	}
	if want[len(want)-1] == 0 || want[0] != 1 {
		t.Fatalf("the test's inputs hold too few special values: %v", want)
	}
	// A second call overwrites the counts rather than adding to them.
	ts[0].Buf.Upload([]float32{1})
	f.Count(got[:1], ts[:1])
	if got[0] != 0 {
		t.Errorf("after clearing tensor 0: %d non-finite, want 0", got[0])
	}
}
