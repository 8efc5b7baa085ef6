//go:build unix

package fsutil

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// TestOpenRegular: a regular file opens with its size; a folder and a
// named pipe are refused at once (a pipe's open would otherwise block) as
// a *NotRegularError saying what they are.
func TestOpenRegular(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "f")
	if err := os.WriteFile(p, []byte("12345"), 0o644); err != nil {
		t.Fatal(err)
	}
	f, size, err := OpenRegular(p)
	if err != nil || size != 5 {
		t.Fatalf("OpenRegular(file) = %d, %v; want 5, nil", size, err)
	}
	f.Close()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	for path, what := range map[string]string{dir: "a folder", fifo: "a named pipe"} {
		var nr *NotRegularError
		if _, _, err := OpenRegular(path); !errors.As(err, &nr) || nr.What != what {
			t.Errorf("OpenRegular(%s) = %v, want a NotRegularError: %s", path, err, what)
		}
	}
	if _, _, err := OpenRegular(filepath.Join(dir, "missing")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("OpenRegular(missing) = %v, want ErrNotExist", err)
	}
}
