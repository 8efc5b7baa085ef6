package data

import (
	"testing"

	"github.com/glcnn/glcnn/gpu"
	"github.com/glcnn/glcnn/gpu/gputest"
	"github.com/glcnn/glcnn/layers/ref"
)

// TestGatherMatchesCPU checks the batch-gather kernel against gatherCPU on
// real images, in order and shuffled, with and without augmentation, at a
// batch that is not a multiple of the workgroup, and that a whole epoch of
// gathers uploads nothing but its permutation.
func TestGatherMatchesCPU(t *testing.T) {
	d := gputest.Device(t)
	s := realDataset(t).Train.Limit(1000)
	norm := Normalize{Scale: 1.0 / 255, Mean: 0.286, Std: 0.353}
	r, err := Upload(d, s)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Release()
	x, _ := gpu.NewBuffer[float32](d, 77*s.H*s.W+5)
	y, _ := gpu.NewBuffer[uint32](d, 77+5)
	defer x.Release()
	defer y.Release()

	identity := Permutation(s.N, 0, 0)
	for i := range identity {
		identity[i] = uint32(i)
	}
	r.Shuffle(42, 3)
	perm := Permutation(s.N, 42, 3)
	before := d.Stats()
	for _, c := range []Batch{
		{Start: 0, N: 77},
		{Start: 923, N: 77, Normalize: norm},
		{Start: 10, N: 77, Shuffled: true},
		{Start: 500, N: 77, Shuffled: true, Augment: Augment{Flip: true}, Seed: 7},
		{Start: 500, N: 77, Shuffled: true, Augment: Augment{Flip: true, Shift: 2}, Seed: 99, Normalize: norm},
		{Start: 999, N: 1, Shuffled: true, Augment: Augment{Shift: 3}, Seed: 1},
	} {
		x.Fill(-7)
		r.Gather(x, y, c)
		order := identity
		if c.Shuffled {
			order = perm
		}
		wantX, wantY := gatherCPU(s, order, c)
		gotX, gotY := x.Read(), y.Read()
		for i, v := range wantX {
			if gotX[i] != v {
				t.Fatalf("%+v: x[%d] = %v, want %v", c, i, gotX[i], v)
			}
		}
		for i := len(wantX); i < len(gotX); i++ {
			if gotX[i] != -7 {
				t.Fatalf("%+v: wrote past the batch at %d", c, i)
			}
		}
		for i, v := range wantY {
			if gotY[i] != v {
				t.Fatalf("%+v: label[%d] = %d, want %d", c, i, gotY[i], v)
			}
		}
	}
	// The augmentations must actually change something.
	plain, _ := gatherCPU(s, perm, Batch{Start: 0, N: 50, Shuffled: true})
	aug, _ := gatherCPU(s, perm, Batch{Start: 0, N: 50, Shuffled: true, Augment: Augment{Flip: true, Shift: 2}, Seed: 5})
	same := 0
	for i := range plain {
		if plain[i] == aug[i] {
			same++
		}
	}
	if same == len(plain) {
		t.Error("augmentation changed nothing")
	}
	// Image bytes went up once, in Upload; the gathers themselves move none.
	after := d.Stats()
	if up := after.UploadBytes - before.UploadBytes; up != 0 {
		t.Errorf("gathers uploaded %d bytes", up)
	}
}

func TestPermutation(t *testing.T) {
	a, b, c := Permutation(100, 1, 0), Permutation(100, 1, 0), Permutation(100, 1, 1)
	seen := make([]bool, 100)
	diff := false
	for i := range a {
		if a[i] != b[i] {
			t.Fatal("same seed and epoch, different order")
		}
		seen[a[i]] = true
		diff = diff || a[i] != c[i]
	}
	for i, s := range seen {
		if !s {
			t.Fatalf("%d missing from the permutation", i)
		}
	}
	if !diff {
		t.Error("epochs 0 and 1 have the same order")
	}
}

// gatherCPU is Gather on the host: the reference the kernel is tested against.
func gatherCPU(s *Set, order []uint32, b Batch) (x []float32, labels []uint32) {
	nm := b.Normalize
	if nm.Std == 0 {
		nm = DefaultNormalize
	}
	h, w := s.H, s.W
	x = make([]float32, b.N*h*w)
	labels = make([]uint32, b.N)
	for row := range b.N {
		src := int(order[b.Start+row])
		if s.Labels != nil {
			labels[row] = uint32(s.Labels[src])
		}
		hv := ref.Hash32(b.Seed ^ ref.Hash32(uint32(b.Start+row)))
		flip := b.Augment.Flip && hv&1 != 0
		dy, dx := 0, 0
		if sh := b.Augment.Shift; sh != 0 {
			span := uint32(2*sh + 1)
			dy = int((hv>>8)%span) - sh
			dx = int((hv>>20)%span) - sh
		}
		for yy := range h {
			for xx := range w {
				sx, sy := xx, yy
				if flip {
					sx = w - 1 - xx
				}
				sx, sy = sx-dx, sy-dy
				v := float32(0)
				if sx >= 0 && sx < w && sy >= 0 && sy < h {
					v = float32(s.Pixels[src*h*w+sy*w+sx])
				}
				x[(row*h+yy)*w+xx] = (v*float32(nm.Scale) - float32(nm.Mean)) * float32(1/nm.Std)
			}
		}
	}
	return x, labels
}
