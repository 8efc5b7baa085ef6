package data

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

func sameDataset(t *testing.T, got, want *Dataset) {
	t.Helper()
	for _, p := range [][2]*Set{{got.Train, want.Train}, {got.Test, want.Test}} {
		g, w := p[0], p[1]
		if (g == nil) != (w == nil) {
			t.Fatalf("set presence differs")
		}
		if g == nil {
			continue
		}
		if g.N != w.N || g.H != w.H || g.W != w.W || !bytes.Equal(g.Pixels, w.Pixels) ||
			!slices.Equal(g.Labels, w.Labels) || !slices.Equal(g.IDs, w.IDs) || (g.Labels == nil) != (w.Labels == nil) {
			t.Fatalf("set differs: %v vs %v", g, w)
		}
	}
	if got.Layout != want.Layout || !slices.Equal(got.SubmissionIDs, want.SubmissionIDs) {
		t.Fatalf("dataset differs")
	}
}

func TestCache(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	dir := t.TempDir()
	smallApparels(t, dir)
	opt := LoadOptions{Cache: true}
	first, err := Load(dir, opt)
	if err != nil || first.FromCache {
		t.Fatalf("first load: %v, cached %v", err, first.FromCache)
	}
	cacheFile := filepath.Join(dir, ".glcnn-cache", "dataset.bin")
	if _, err := os.Stat(cacheFile); err != nil {
		t.Fatalf("no cache next to the data: %v", err)
	}
	second, err := Load(dir, opt)
	if err != nil || !second.FromCache {
		t.Fatalf("second load: %v, cached %v", err, second.FromCache)
	}
	sameDataset(t, second, first)

	// A changed image (new mtime and size) makes the cache stale.
	p := filepath.Join(dir, "train", "9.png")
	writeFile(t, dir, "train/9.png", grayPNG(t, 4, 4, 200))
	os.Chtimes(p, time.Now().Add(time.Hour), time.Now().Add(time.Hour))
	third, err := Load(dir, opt)
	if err != nil || third.FromCache || third.Train.Image(2)[0] != 200 {
		t.Fatalf("after a change: %v, cached %v", err, third.FromCache)
	}
	if fourth, _ := Load(dir, opt); !fourth.FromCache {
		t.Fatal("the cache was not rewritten")
	}

	// A damaged cache is ignored, and bad input is still reported.
	b, _ := os.ReadFile(cacheFile)
	for _, damage := range []func([]byte) []byte{
		func(b []byte) []byte { return b[:len(b)/2] },
		func(b []byte) []byte { return flipByte(b, len(b)-100) },
		func(b []byte) []byte { return flipByte(b, 3) },
		func([]byte) []byte { return nil },
	} {
		os.WriteFile(cacheFile, damage(b), 0o644)
		ds, err := Load(dir, opt)
		if err != nil || ds.FromCache {
			t.Fatalf("damaged cache: %v, cached %v", err, ds.FromCache)
		}
		sameDataset(t, ds, third)
	}
	writeFile(t, dir, "train.csv", []byte("id,label\n5,11\n"))
	if _, err := Load(dir, opt); err == nil {
		t.Fatal("bad CSV hidden by the cache")
	}
}

// TestCacheFallback: when the data folder cannot hold the cache, it goes to
// the user's cache folder. (Tests may run as root, for whom permissions do
// not block writes, so a file named like the cache folder blocks it.)
func TestCacheFallback(t *testing.T) {
	userCache := t.TempDir()
	t.Setenv("XDG_CACHE_HOME", userCache)
	dir := t.TempDir()
	smallIDX(t, dir)
	writeFile(t, dir, ".glcnn-cache", []byte("not a folder"))
	opt := LoadOptions{Cache: true}
	first, err := Load(dir, opt)
	if err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(userCache, "glcnn", "dataset-*.bin"))
	if len(files) != 1 {
		t.Fatalf("cache files in the user cache: %v", files)
	}
	second, err := Load(dir, opt)
	if err != nil || !second.FromCache {
		t.Fatalf("second load: %v, cached %v", err, second.FromCache)
	}
	sameDataset(t, second, first)
}
