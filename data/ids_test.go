package data

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestIDXTestFirstID(t *testing.T) {
	for _, c := range []struct {
		trainN int
		want   int64
	}{
		{1, 60001}, {5, 60001}, {59999, 60001}, {60000, 60001}, // the contest's numbering
		{60001, 60002}, {100000, 100001}, // a larger train set: no test id repeats a train id
	} {
		if got := IDXTestFirstID(c.trainN); got != c.want {
			t.Errorf("IDXTestFirstID(%d) = %d, want %d", c.trainN, got, c.want)
		}
	}
}

func TestSetID(t *testing.T) {
	s := &Set{N: 2, H: 1, W: 1, Pixels: []uint8{0, 0}}
	if s.ID(0) != 1 || s.ID(1) != 2 {
		t.Errorf("no IDs: ids %d %d, want 1 2", s.ID(0), s.ID(1))
	}
	s.IDs = []int64{60001, 60002}
	if s.ID(1) != 60002 {
		t.Errorf("ID(1) = %d, want 60002", s.ID(1))
	}
}

// TestLoadIDXIDsCached: the cache keeps the contest's ids (a cache written
// before they were introduced has another magic, so it is not read).
func TestLoadIDXIDsCached(t *testing.T) {
	t.Setenv(CacheDirEnv, t.TempDir())
	dir := t.TempDir()
	smallIDX(t, dir)
	for _, want := range []bool{false, true} {
		ds, err := Load(dir, LoadOptions{Cache: true})
		if err != nil || ds.FromCache != want {
			t.Fatalf("load: %v, cached %v, want %v", err, ds.FromCache, want)
		}
		if !slices.Equal(ds.Train.IDs, []int64{1, 2, 3, 4, 5}) || !slices.Equal(ds.Test.IDs, []int64{60001, 60002}) {
			t.Errorf("cached %v: train ids %v test ids %v", want, ds.Train.IDs, ds.Test.IDs)
		}
	}
}

// TestExportIDXIDs: an IDX dataset is exported with the contest's ids, train
// from 1 and test from 60001, in record order; a limit keeps a prefix of
// each. The images are named by those ids.
func TestExportIDXIDs(t *testing.T) {
	src := t.TempDir()
	smallIDX(t, src)
	ds, err := Load(src, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		limit       int
		train, test []int
	}{
		{0, []int{1, 2, 3, 4, 5}, []int{60001, 60002}},
		{3, []int{1, 2, 3}, []int{60001, 60002}},
		{1, []int{1}, []int{60001}},
	} {
		t.Run(fmt.Sprintf("limit=%d", c.limit), func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "out")
			if err := ExportApparels(ds, dir, c.limit); err != nil {
				t.Fatal(err)
			}
			var train, test, sample strings.Builder
			train.WriteString("id,label\n")
			test.WriteString("id\n")
			sample.WriteString("id,label\n")
			for i, id := range c.train {
				fmt.Fprintf(&train, "%d,%d\n", id, ds.Train.Labels[i])
				if _, err := os.Stat(filepath.Join(dir, "train", fmt.Sprintf("%d.png", id))); err != nil {
					t.Error(err)
				}
			}
			for _, id := range c.test {
				fmt.Fprintf(&test, "%d\n", id)
				fmt.Fprintf(&sample, "%d,0\n", id)
				if _, err := os.Stat(filepath.Join(dir, "test", fmt.Sprintf("%d.png", id))); err != nil {
					t.Error(err)
				}
			}
			for name, want := range map[string]string{
				"train.csv": train.String(), "test.csv": test.String(), "sample_submission.csv": sample.String(),
			} {
				got, err := os.ReadFile(filepath.Join(dir, name))
				if err != nil || string(got) != want {
					t.Errorf("%s = %q (%v), want %q", name, got, err, want)
				}
			}
			// Read back, the export keeps the ids and the images under them.
			back, err := Load(dir, LoadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			wantTest := *ds.Test.Limit(c.limit)
			wantTest.Labels = nil // the Apparels test set has none
			sameDataset(t, back, &Dataset{Layout: LayoutApparels, Train: ds.Train.Limit(c.limit),
				Test: &wantTest, SubmissionIDs: wantTest.IDs})
		})
	}
}
