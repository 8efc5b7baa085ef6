package main

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"

	"github.com/glcnn/glcnn/data"
)

// TestCacheDirFlag: --cache-dir moves the decoded-dataset cache (like
// every glcnn cache) into the folder given, and nothing is written beside
// the data.
func TestCacheDirFlag(t *testing.T) {
	t.Setenv(data.CacheDirEnv, "off") // restored after the test; the flag overrides it
	tmp := t.TempDir()
	dataDir := filepath.Join(tmp, "data")
	os.MkdirAll(dataDir, 0o755)
	images := binary.BigEndian.AppendUint32(nil, 0x803)
	for _, d := range []uint32{3, 2, 2} {
		images = binary.BigEndian.AppendUint32(images, d)
	}
	images = append(images, make([]byte, 12)...)
	labels := binary.BigEndian.AppendUint32(nil, 0x801)
	labels = binary.BigEndian.AppendUint32(labels, 3)
	labels = append(labels, 1, 2, 3)
	os.WriteFile(filepath.Join(dataDir, "train-images-idx3-ubyte"), images, 0o644)
	os.WriteFile(filepath.Join(dataDir, "train-labels-idx1-ubyte"), labels, 0o644)
	cache := filepath.Join(tmp, "cache")
	code, stderr := capture(t, "show", "--data", dataDir, "--n", "3", "--out", filepath.Join(tmp, "grid.png"), "--cache-dir", cache)
	if code != 0 {
		t.Fatalf("status %d: %s", code, stderr)
	}
	if got := os.Getenv(data.CacheDirEnv); got != cache {
		t.Errorf("$%s = %q after --cache-dir, want %q", data.CacheDirEnv, got, cache)
	}
	if files, _ := filepath.Glob(filepath.Join(cache, "datasets", "dataset-*.bin")); len(files) != 1 {
		t.Errorf("cache files in %s/datasets: %v", cache, files)
	}
	if ents, _ := os.ReadDir(dataDir); len(ents) != 2 {
		t.Errorf("the data folder holds %d entries, want its 2 files", len(ents))
	}
}
