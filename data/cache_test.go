package data

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
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
	caches := t.TempDir()
	t.Setenv(CacheDirEnv, caches)
	dir := t.TempDir()
	smallApparels(t, dir)
	opt := LoadOptions{Cache: true}
	first, err := Load(dir, opt)
	if err != nil || first.FromCache {
		t.Fatalf("first load: %v, cached %v", err, first.FromCache)
	}
	cacheFile := cachePath(filepath.Join(caches, "datasets"), dir)
	if _, err := os.Stat(cacheFile); err != nil {
		t.Fatalf("no cache in $%s/datasets: %v", CacheDirEnv, err)
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

// TestCacheNeverBesideData: the cache goes to the user's cache folder,
// $GLCNN_CACHE_DIR or LoadOptions.CacheDir, and nothing is ever written into
// the dataset folder (which may be read-only, or shared by several users).
func TestCacheNeverBesideData(t *testing.T) {
	cases := []struct {
		name     string
		env      string // GLCNN_CACHE_DIR; "-" unset, else joined to the temp folder unless "off"
		cacheDir string // LoadOptions.CacheDir, joined to the temp folder
		want     string // the cache folder, relative to the temp folder; "" none
	}{
		{"user cache", "-", "", "xdg/glcnn/datasets"},
		{"environment", "env", "", "env/datasets"},
		{"option over environment", "env", "opt", "opt"},
		{"off", "off", "", ""},
	}
	for _, c := range cases {
		for _, layout := range []string{LayoutIDX, LayoutApparels} {
			t.Run(c.name+"/"+layout, func(t *testing.T) {
				tmp := t.TempDir()
				t.Setenv("XDG_CACHE_HOME", filepath.Join(tmp, "xdg"))
				t.Setenv("HOME", filepath.Join(tmp, "home"))
				switch c.env {
				case "-":
					t.Setenv(CacheDirEnv, "") // restores the value after the test
					os.Unsetenv(CacheDirEnv)
				case "off":
					t.Setenv(CacheDirEnv, "off")
				default:
					t.Setenv(CacheDirEnv, filepath.Join(tmp, c.env))
				}
				opt := LoadOptions{Cache: true}
				if c.cacheDir != "" {
					opt.CacheDir = filepath.Join(tmp, c.cacheDir)
				}
				data := filepath.Join(tmp, "data")
				if layout == LayoutIDX {
					smallIDX(t, data)
				} else {
					smallApparels(t, data)
				}
				before := listTree(t, data)
				for i, wantCached := range []bool{false, c.want != ""} {
					ds, err := Load(data, opt)
					if err != nil || ds.FromCache != wantCached {
						t.Fatalf("load %d: %v, cached %v, want %v", i+1, err, ds.FromCache, wantCached)
					}
				}
				if after := listTree(t, data); !slices.Equal(after, before) {
					t.Errorf("the dataset folder changed: %v, was %v", after, before)
				}
				var want []string
				if c.want != "" {
					want = []string{cachePath(filepath.Join(tmp, c.want), data)}
				}
				var got []string
				for _, rel := range listTree(t, tmp) {
					if strings.HasPrefix(filepath.Base(rel), "dataset-") {
						got = append(got, filepath.Join(tmp, rel))
					}
				}
				if !slices.Equal(got, want) {
					t.Errorf("cache files %v, want %v", got, want)
				}
			})
		}
	}
}

// listTree lists every path under dir, relative to it.
func listTree(t *testing.T, dir string) []string {
	t.Helper()
	var paths []string
	err := filepath.WalkDir(dir, func(p string, _ os.DirEntry, err error) error {
		rel, _ := filepath.Rel(dir, p)
		paths = append(paths, rel)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return paths
}
