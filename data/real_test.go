package data

import (
	"bytes"
	"path/filepath"
	"slices"
	"testing"
)

// TestRealDataset loads the whole Fashion-MNIST (60,000 + 10,000) from
// DefaultDir: 6,000 train and 1,000 test images of each class, 28x28.
func TestRealDataset(t *testing.T) {
	ds := realDataset(t)
	if ds.Layout != LayoutIDX || ds.Root != DefaultDir {
		t.Errorf("layout %q root %q", ds.Layout, ds.Root)
	}
	for _, c := range []struct {
		s        *Set
		n, class int
	}{{ds.Train, 60000, 6000}, {ds.Test, 10000, 1000}} {
		if c.s.N != c.n || c.s.H != 28 || c.s.W != 28 || len(c.s.Pixels) != c.n*784 {
			t.Fatalf("got %v, want %d images 28x28", c.s, c.n)
		}
		for l, k := range c.s.ClassCounts() {
			if k != c.class {
				t.Errorf("%d images of class %d, want %d", k, l, c.class)
			}
		}
	}
	// The first training image is an ankle boot (label 9), as in every
	// Fashion-MNIST sample plot.
	if ds.Train.Labels[0] != 9 || ds.Train.IDs[59999] != 60000 {
		t.Errorf("first label %d, last id %d", ds.Train.Labels[0], ds.Train.IDs[59999])
	}
	// The contest's ids: train 1..60000, test 60001..70000, in record order.
	if ds.Train.IDs[0] != 1 || ds.Test.IDs[0] != 60001 || ds.Test.IDs[9999] != 70000 {
		t.Errorf("train ids from %d, test ids %d..%d; want 1, 60001..70000",
			ds.Train.IDs[0], ds.Test.IDs[0], ds.Test.IDs[9999])
	}
	if len(ds.SubmissionIDs) != 10000 || !slices.Equal(ds.SubmissionIDs, ds.Test.IDs) {
		t.Errorf("%d submission ids, not the test ids in record order", len(ds.SubmissionIDs))
	}
}

// TestRoundTrip exports a few hundred real images of each set to the
// Apparels layout and reads them back: identical pixels, labels and ids.
func TestRoundTrip(t *testing.T) {
	ds := realDataset(t)
	dir := filepath.Join(t.TempDir(), "apparels")
	if err := ExportApparels(ds, dir, 300); err != nil {
		t.Fatal(err)
	}
	back, err := Load(dir, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if back.Layout != LayoutApparels {
		t.Errorf("layout %q", back.Layout)
	}
	for _, c := range []struct{ got, want *Set }{{back.Train, ds.Train.Limit(300)}, {back.Test, ds.Test.Limit(300)}} {
		if c.got.N != 300 || c.got.H != 28 || c.got.W != 28 {
			t.Fatalf("read back %v", c.got)
		}
		if !bytes.Equal(c.got.Pixels, c.want.Pixels) {
			t.Errorf("pixels differ")
		}
		if !slices.Equal(c.got.IDs, c.want.IDs) {
			t.Errorf("ids differ")
		}
	}
	if !slices.Equal(back.Train.Labels, ds.Train.Labels[:300]) || back.Test.Labels != nil {
		t.Errorf("labels differ")
	}
	if !slices.Equal(back.SubmissionIDs, ds.Test.IDs[:300]) {
		t.Errorf("submission ids %v...", back.SubmissionIDs[:3])
	}
}

// TestRealSplit: the article's 10% validation split of the real training
// set holds out exactly 600 images of each class.
func TestRealSplit(t *testing.T) {
	tr, va := Split(realDataset(t).Train, 0.1, 1)
	if tr.N != 54000 || va.N != 6000 {
		t.Fatalf("split %d/%d", tr.N, va.N)
	}
	for l, k := range va.ClassCounts() {
		if k != 600 {
			t.Errorf("class %d: %d held out, want 600", l, k)
		}
	}
}
