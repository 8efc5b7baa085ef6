package main

import (
	"encoding/binary"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestExportSignalChild is the child of TestExportSIGTERM: glcnn data
// export as its own process. It does nothing in a normal test run.
func TestExportSignalChild(t *testing.T) {
	args := os.Getenv("GLCNN_TEST_EXPORT_ARGS")
	if args == "" {
		t.Skip("the child of TestExportSIGTERM")
	}
	os.Exit(run(filepath.SplitList(args)))
}

// TestExportSIGTERM: glcnn data export stopped by SIGTERM fails and leaves
// neither its output folder nor its temporary folder.
func TestExportSIGTERM(t *testing.T) {
	tmp := t.TempDir()
	src := filepath.Join(tmp, "src")
	os.Mkdir(src, 0o755)
	const n = 30000 // pseudo-random pixels: slow to compress
	images := binary.BigEndian.AppendUint32(nil, 0x803)
	for _, d := range []uint32{n, 28, 28} {
		images = binary.BigEndian.AppendUint32(images, d)
	}
	x := uint32(1)
	for range n * 28 * 28 {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		images = append(images, byte(x))
	}
	labels := binary.BigEndian.AppendUint32(nil, 0x801)
	labels = binary.BigEndian.AppendUint32(labels, n)
	labels = append(labels, make([]byte, n)...)
	os.WriteFile(filepath.Join(src, "train-images-idx3-ubyte"), images, 0o644)
	os.WriteFile(filepath.Join(src, "train-labels-idx1-ubyte"), labels, 0o644)
	parent := filepath.Join(tmp, "parent")
	os.Mkdir(parent, 0o755)

	cmd := exec.Command(os.Args[0], "-test.run=^TestExportSignalChild$")
	args := []string{"data", "export", "--data", src, "--out", filepath.Join(parent, "out")}
	cmd.Env = append(os.Environ(), "GLCNN_TEST_EXPORT_ARGS="+strings.Join(args, string(filepath.ListSeparator)))
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		if pngs, _ := filepath.Glob(filepath.Join(parent, ".out.tmp-*", "train", "*.png")); len(pngs) > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no PNG exported within 30 s")
		}
	}
	cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err == nil {
			t.Error("exit status 0 after SIGTERM")
		}
	case <-time.After(30 * time.Second):
		t.Fatal("glcnn data export still running 30 s after SIGTERM")
	}
	if ents, _ := os.ReadDir(parent); len(ents) != 0 {
		t.Errorf("left behind after SIGTERM: %v", ents)
	}
}
