package data

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
)

// Set is a set of same-sized 8-bit gray images.
type Set struct {
	N, H, W int
	Pixels  []uint8 // N*H*W, row-major, image after image
	Labels  []int32 // len N; nil when the set has no labels (Apparels test set)
	// IDs are the images' ids, len N: the Apparels CSV's ids, or for IDX
	// data the contest's numbering (train 1..60000, test 60001..70000; see
	// IDXTestFirstID). A Set built by hand may leave IDs nil.
	IDs []int64
}

// ID returns the id of image i: s.IDs[i], or i+1 when s has no IDs.
func (s *Set) ID(i int) int64 {
	if s.IDs != nil {
		return s.IDs[i]
	}
	return int64(i + 1)
}

// Image returns the pixels of image i, sharing memory with s.Pixels.
func (s *Set) Image(i int) []uint8 {
	size := s.H * s.W
	return s.Pixels[i*size : (i+1)*size : (i+1)*size]
}

// Limit returns the first n images of s, sharing memory with s. It returns s
// itself when n <= 0 or n >= s.N, so a limit of 0 means "no limit".
func (s *Set) Limit(n int) *Set {
	if s == nil || n <= 0 || n >= s.N {
		return s
	}
	t := &Set{N: n, H: s.H, W: s.W, Pixels: s.Pixels[:n*s.H*s.W]}
	if s.Labels != nil {
		t.Labels = s.Labels[:n]
	}
	if s.IDs != nil {
		t.IDs = s.IDs[:n]
	}
	return t
}

// subset copies the images at idx, in that order, into a new Set.
func (s *Set) subset(idx []int) *Set {
	size := s.H * s.W
	t := &Set{N: len(idx), H: s.H, W: s.W, Pixels: make([]uint8, len(idx)*size)}
	if s.Labels != nil {
		t.Labels = make([]int32, len(idx))
	}
	if s.IDs != nil {
		t.IDs = make([]int64, len(idx))
	}
	for j, i := range idx {
		copy(t.Pixels[j*size:], s.Image(i))
		if s.Labels != nil {
			t.Labels[j] = s.Labels[i]
		}
		if s.IDs != nil {
			t.IDs[j] = s.IDs[i]
		}
	}
	return t
}

// ClassCounts returns how many images of each label s holds (all zero when s
// has no labels).
func (s *Set) ClassCounts() [NumClasses]int {
	var c [NumClasses]int
	for _, l := range s.Labels {
		c[l]++
	}
	return c
}

// String describes the set in one line, e.g. "60000 images 28x28, labelled".
func (s *Set) String() string {
	if s == nil {
		return "no images"
	}
	lab := "labelled"
	if s.Labels == nil {
		lab = "unlabelled"
	}
	return fmt.Sprintf("%d images %dx%d, %s", s.N, s.H, s.W, lab)
}

// Split holds out the fraction val of s for validation, stratified by class:
// each label contributes its own share, rounded so that the total is
// round(val*N) (largest remainders get the odd images). Which images go is
// drawn from a PCG generator seeded with (seed, label), so the result depends
// only on s, val and seed. Both sets keep the images in their order in s and
// own their memory. An unlabelled set is split as one class.
//
// val == 0 returns s itself and a nil valid set. Split panics when val is
// outside [0, 1).
func Split(s *Set, val float64, seed uint64) (train, valid *Set) {
	if !(val >= 0 && val < 1) {
		panic(fmt.Sprintf("data: Split fraction %v outside [0, 1)", val))
	}
	if val == 0 || s.N == 0 {
		return s, nil
	}
	groups := make([][]int, NumClasses)
	for i := range s.N {
		l := 0
		if s.Labels != nil {
			l = int(s.Labels[i])
		}
		groups[l] = append(groups[l], i)
	}
	take := stratifiedCounts(groups, val, s.N)
	inValid := make([]bool, s.N)
	for c, g := range groups {
		rng := rand.New(rand.NewPCG(seed, uint64(c)))
		g = slices.Clone(g)
		rng.Shuffle(len(g), func(i, j int) { g[i], g[j] = g[j], g[i] })
		for _, i := range g[:take[c]] {
			inValid[i] = true
		}
	}
	var ti, vi []int
	for i, v := range inValid {
		if v {
			vi = append(vi, i)
		} else {
			ti = append(ti, i)
		}
	}
	return s.subset(ti), s.subset(vi)
}

// stratifiedCounts apportions round(val*n) held-out images among the groups by
// the largest-remainder method; ties go to the lower label.
func stratifiedCounts(groups [][]int, val float64, n int) []int {
	total := int(math.Round(val * float64(n)))
	take := make([]int, len(groups))
	rem := make([]float64, len(groups))
	sum := 0
	for c, g := range groups {
		ideal := val * float64(len(g))
		take[c] = int(math.Floor(ideal))
		rem[c] = ideal - float64(take[c])
		sum += take[c]
	}
	order := make([]int, len(groups))
	for c := range order {
		order[c] = c
	}
	slices.SortStableFunc(order, func(a, b int) int {
		switch {
		case rem[a] > rem[b]:
			return -1
		case rem[a] < rem[b]:
			return 1
		}
		return 0
	})
	for _, c := range order {
		if sum >= total {
			break
		}
		if take[c] < len(groups[c]) {
			take[c]++
			sum++
		}
	}
	return take
}
