package safetensors

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
)

// TestHostileFiles: a model path that is not a regular file
// (/dev/zero, a FIFO) is refused without being read, and a 4 GiB sparse
// file behind a small valid header is refused having read little more
// than what its header describes.
func TestHostileFiles(t *testing.T) {
	dir := t.TempDir()
	zero := filepath.Join(dir, "zero.safetensors")
	if err := os.Symlink("/dev/zero", zero); err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(dir, "fifo.safetensors")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{zero, fifo} {
		if _, _, err := ReadFile(path); err == nil || !strings.Contains(err.Error(), "not a regular file") {
			t.Errorf("%s: %v, want a refusal as not a regular file", path, err)
		}
	}

	sparse := filepath.Join(dir, "sparse.safetensors")
	good := filepath.Join(dir, "good.safetensors")
	if err := WriteFile(good, sampleTensors(), nil); err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(good)
	os.WriteFile(sparse, raw, 0o644)
	if err := os.Truncate(sparse, 4<<30); err != nil {
		t.Fatal(err)
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, _, err := ReadFile(sparse)
	runtime.ReadMemStats(&after)
	if err == nil || !strings.Contains(err.Error(), "trailing") {
		t.Errorf("4 GiB sparse file: %v, want trailing garbage", err)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 16<<20 {
		t.Errorf("reading the 4 GiB sparse file allocated %d MiB", alloc>>20)
	}
}
