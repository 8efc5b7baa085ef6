package data

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// exportChildEnv makes the test binary a process that exports a large
// synthetic set to the folder it names, cancelled by SIGTERM or SIGINT the
// way the CLI wires it, and prints the export's error.
const exportChildEnv = "GLCNN_DATA_EXPORT_CHILD"

// exportChild is the whole of that process.
func exportChild(dir string) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := ExportApparelsContext(ctx, &Dataset{Train: noisySet(50000)}, dir, 0)
	fmt.Println(err)
	return 0
}

// noisySet is n 28x28 images of pseudo-random pixels (slow to compress, so
// an export takes a while), labelled i%10.
func noisySet(n int) *Set {
	s := &Set{N: n, H: 28, W: 28, Pixels: make([]uint8, n*28*28), Labels: make([]int32, n)}
	x := uint32(1)
	for i := range s.Pixels {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		s.Pixels[i] = uint8(x)
	}
	for i := range s.Labels {
		s.Labels[i] = int32(i % 10)
	}
	return s
}

// startExportChild starts an exporting child into parent/out and returns
// once it has written its first PNG into its temporary folder.
func startExportChild(t *testing.T, parent string) (*exec.Cmd, *bytes.Buffer) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), exportChildEnv+"="+filepath.Join(parent, "out"))
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		tmps, _ := filepath.Glob(filepath.Join(parent, ".out.tmp-*", "train", "*.png"))
		if len(tmps) > 0 {
			return cmd, &out
		}
	}
	t.Fatalf("the child wrote no PNG within 30 s: %s", out.Bytes())
	return nil, nil
}

// waitExit waits for cmd, at most 30 s.
func waitExit(t *testing.T, cmd *exec.Cmd) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		return err
	case <-time.After(30 * time.Second):
		t.Fatal("the child did not exit within 30 s of the signal")
		return nil
	}
}

// TestExportSignalCleansUp: an export stopped by SIGTERM or SIGINT through
// its context removes its temporary folder and leaves no output folder.
func TestExportSignalCleansUp(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		t.Run(sig.String(), func(t *testing.T) {
			parent := t.TempDir()
			cmd, out := startExportChild(t, parent)
			cmd.Process.Signal(sig)
			if err := waitExit(t, cmd); err != nil {
				t.Fatalf("child: %v: %s", err, out.Bytes())
			}
			if got := out.String(); got != "data: export: context canceled\n" {
				t.Errorf("the export said %q, want that it was cancelled", got)
			}
			if ents, _ := os.ReadDir(parent); len(ents) != 0 {
				t.Errorf("left beside the export: %v", ents)
			}
		})
	}
}

// TestExportRemovesStaleTemp: the temporary folder of an export killed
// outright (SIGKILL: no clean-up possible) is removed by the next export
// to the same folder, while the temporary folder of an export still
// running is left alone.
func TestExportRemovesStaleTemp(t *testing.T) {
	parent := t.TempDir()
	cmd, _ := startExportChild(t, parent)
	cmd.Process.Kill()
	waitExit(t, cmd)
	stale, _ := filepath.Glob(filepath.Join(parent, ".out.tmp-*"))
	if len(stale) != 1 {
		t.Fatalf("temporary folders after SIGKILL: %v, want the one left behind", stale)
	}
	// A folder another export is writing: it holds the lock.
	live := filepath.Join(parent, ".out.tmp-live")
	os.Mkdir(live, 0o755)
	f, err := os.Open(live)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		t.Fatal(err)
	}
	// Neither a file of the same pattern nor another folder's is touched.
	writeFile(t, parent, ".out.tmp-file", []byte("not ours"))
	os.Mkdir(filepath.Join(parent, ".other.tmp-1"), 0o755)

	src := t.TempDir()
	smallApparels(t, src)
	ds, err := Load(src, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := ExportApparels(ds, filepath.Join(parent, "out"), 0); err != nil {
		t.Fatal(err)
	}
	var names []string
	ents, _ := os.ReadDir(parent)
	for _, e := range ents {
		names = append(names, e.Name())
	}
	want := []string{".other.tmp-1", ".out.tmp-file", ".out.tmp-live", "out"}
	if fmt.Sprint(names) != fmt.Sprint(want) {
		t.Errorf("after the next export the folder holds %v, want %v", names, want)
	}
}

// TestExportCancelled: a context cancelled before or during the export
// stops it with the context's error and leaves nothing behind.
func TestExportCancelled(t *testing.T) {
	parent := t.TempDir()
	out := filepath.Join(parent, "out")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := ExportApparelsContext(ctx, &Dataset{Train: noisySet(100)}, out, 0); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled before: err %v, want context.Canceled", err)
	}
	ctx, cancel = context.WithCancel(context.Background())
	defer cancel()
	go func() { // cancel once the first PNG is written
		for ctx.Err() == nil {
			if pngs, _ := filepath.Glob(filepath.Join(parent, ".out.tmp-*", "train", "*.png")); len(pngs) > 0 {
				cancel()
			}
			time.Sleep(time.Millisecond)
		}
	}()
	if err := ExportApparelsContext(ctx, &Dataset{Train: noisySet(50000)}, out, 0); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled during: err %v, want context.Canceled", err)
	}
	if ents, _ := os.ReadDir(parent); len(ents) != 0 {
		t.Errorf("left behind: %v", ents)
	}
}
