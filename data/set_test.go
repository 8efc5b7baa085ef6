package data

import (
	"math"
	"slices"
	"testing"
)

// unbalanced returns n images 1x2 whose labels follow a skewed
// distribution; pixel 0 is the index, so images can be traced.
func unbalanced(n int) *Set {
	s := &Set{N: n, H: 1, W: 2, Pixels: make([]uint8, 2*n), Labels: make([]int32, n), IDs: make([]int64, n)}
	for i := range n {
		s.Labels[i] = int32((i * i / 7) % NumClasses)
		s.Pixels[2*i], s.Pixels[2*i+1] = uint8(i), uint8(i>>8)
		s.IDs[i] = int64(1000 + i)
	}
	return s
}

func TestSplitStratified(t *testing.T) {
	s := unbalanced(997)
	tr, va := Split(s, 0.15, 42)
	if want := int(math.Round(0.15 * 997)); va.N != want || tr.N != 997-want {
		t.Fatalf("split %d/%d, want %d held out", tr.N, va.N, want)
	}
	all := s.ClassCounts()
	got := va.ClassCounts()
	for l := range NumClasses {
		if d := float64(got[l]) - 0.15*float64(all[l]); d <= -1 || d >= 1 {
			t.Errorf("class %d: %d of %d held out, want about %.1f", l, got[l], all[l], 0.15*float64(all[l]))
		}
	}
	// Disjoint, complete, in the original order, images follow their ids.
	ids := append(slices.Clone(tr.IDs), va.IDs...)
	slices.Sort(ids)
	if !slices.Equal(ids, s.IDs) {
		t.Fatal("train and valid do not partition the set")
	}
	for _, part := range []*Set{tr, va} {
		if !slices.IsSorted(part.IDs) {
			t.Error("order not kept")
		}
		for j, id := range part.IDs {
			i := int(id - 1000)
			if !slices.Equal(part.Image(j), s.Image(i)) || part.Labels[j] != s.Labels[i] {
				t.Fatalf("image %d does not match its id %d", j, id)
			}
		}
	}
}

func TestSplitDeterministic(t *testing.T) {
	s := unbalanced(500)
	_, a := Split(s, 0.2, 7)
	_, b := Split(s, 0.2, 7)
	_, c := Split(s, 0.2, 8)
	if !slices.Equal(a.IDs, b.IDs) {
		t.Error("same seed, different split")
	}
	if slices.Equal(a.IDs, c.IDs) {
		t.Error("different seeds, same split")
	}
}

func TestSplitEdges(t *testing.T) {
	s := unbalanced(50)
	if tr, va := Split(s, 0, 1); tr != s || va != nil {
		t.Error("val 0 must return the set itself and no validation set")
	}
	unlabelled := &Set{N: 10, H: 1, W: 1, Pixels: make([]uint8, 10)}
	if tr, va := Split(unlabelled, 0.3, 1); tr.N != 7 || va.N != 3 || va.Labels != nil {
		t.Errorf("unlabelled split %v / %v", tr, va)
	}
	for _, v := range []float64{-0.1, 1, math.NaN()} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Split(%v) did not panic", v)
				}
			}()
			Split(s, v, 1)
		}()
	}
}

func TestLimit(t *testing.T) {
	s := unbalanced(10)
	l := s.Limit(3)
	if l.N != 3 || len(l.Pixels) != 6 || len(l.Labels) != 3 || len(l.IDs) != 3 || l.IDs[2] != 1002 {
		t.Errorf("Limit(3) = %v", l)
	}
	for _, n := range []int{0, -1, 10, 11} {
		if s.Limit(n) != s {
			t.Errorf("Limit(%d) is not the set itself", n)
		}
	}
}
