package data

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The hostile-file suite: each case builds a dataset folder holding one
// file made to exhaust memory or to hang (a decompression bomb, a sparse
// 4 GiB file, a symlink to /dev/zero, a FIFO), and Load runs on it in a
// child process (this test binary, re-executed), which reports its peak RSS
// (VmHWM in /proc/self/status) when Load returns. (The rusage of the exited
// child is no measure: Linux carries the parent's peak into it at exec.) Every case must end in an *InputError naming the
// file, within hostileTimeout, with a peak RSS under hostileMaxRSS.
//
// The child stops itself when its RSS passes hostileRunaway, so a
// regression costs the machine half a gigabyte, not all of its memory.

const (
	hostileChildEnv = "GLCNN_DATA_HOSTILE_CHILD" // the folder the child loads
	hostileMaxRSS   = 200e6                      // bytes
	hostileRunaway  = 512 << 20
	hostileTimeout  = 30 * time.Second
	runawayStatus   = 3
)

// hostileResult is what the child prints on stdout.
type hostileResult struct {
	Err     string `json:"err"`
	File    string `json:"file"` // of the *InputError; "" when err is not one
	PeakRSS int64  `json:"peak_rss"`
	Runaway int64  `json:"runaway,omitempty"`
}

// hostileChild loads dir and prints a hostileResult; it is the whole of
// the child process.
func hostileChild(dir string) int {
	go watchRSS()
	var res hostileResult
	_, err := Load(dir, LoadOptions{})
	if err != nil {
		res.Err = err.Error()
		var ie *InputError
		if errors.As(err, &ie) {
			res.File = ie.File
		}
	}
	res.PeakRSS = procStatusBytes("VmHWM")
	json.NewEncoder(os.Stdout).Encode(res)
	return 0
}

// watchRSS ends the process with runawayStatus once its resident set
// passes hostileRunaway.
func watchRSS() {
	for {
		if rss := procStatusBytes("VmRSS"); rss > hostileRunaway {
			json.NewEncoder(os.Stdout).Encode(hostileResult{Runaway: rss})
			os.Exit(runawayStatus)
		}
		time.Sleep(time.Millisecond)
	}
}

// procStatusBytes reads a "kB" field of /proc/self/status, in bytes.
func procStatusBytes(field string) int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), field+":"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// hostileCase is one hostile folder: setup writes it, and the error must
// name a file ending in file and contain msg.
type hostileCase struct {
	name  string
	setup func(t *testing.T, dir string)
	file  string
	msg   string
}

func TestHostileFilesMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("re-executes the test binary once per case")
	}
	for _, c := range hostileCases() {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			c.setup(t, dir)
			res, peak := runHostileChild(t, dir)
			t.Logf("peak RSS %.1f MB: %s", float64(peak)/1e6, res.Err)
			if res.File == "" || !strings.HasSuffix(filepath.ToSlash(res.File), c.file) || !strings.Contains(res.Err, c.msg) {
				t.Errorf("error %q (file %q), want an *InputError naming *%s saying %q", res.Err, res.File, c.file, c.msg)
			}
			if float64(peak) >= hostileMaxRSS {
				t.Errorf("peak RSS %.1f MB, want under %.0f MB", float64(peak)/1e6, hostileMaxRSS/1e6)
			}
		})
	}
}

// runHostileChild loads dir in a child process and returns what it printed
// and its peak RSS. A child that hangs or runs away fails the test.
func runHostileChild(t *testing.T, dir string) (hostileResult, int64) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), hostileTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), hostileChildEnv+"="+dir)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var res hostileResult
	json.Unmarshal(stdout.Bytes(), &res)
	switch {
	case ctx.Err() != nil:
		t.Fatalf("hung: no answer within %v", hostileTimeout)
	case res.Runaway > 0:
		t.Fatalf("ran away: RSS %.1f MB and growing, stopped", float64(res.Runaway)/1e6)
	case err != nil || res.PeakRSS == 0:
		t.Fatalf("child failed: %v\n%s%s", err, stdout.Bytes(), stderr.Bytes())
	}
	return res, res.PeakRSS
}

func hostileCases() []hostileCase {
	const gib4 = 4 << 30
	return []hostileCase{
		// IDX.
		{"idx labels claim 1e9 (gzip bomb)", func(t *testing.T, dir string) {
			smallIDX(t, dir)
			writeFile(t, dir, "train-labels-idx1-ubyte.gz", gzZeros(header(idxLabelsMagic, 1e9), 1e9))
		}, "/train-labels-idx1-ubyte.gz", "header claims 1000000000"},
		{"idx images claim 1e6 of 28x28 (gzip bomb), labels 5", func(t *testing.T, dir string) {
			smallIDX(t, dir)
			writeFile(t, dir, "train-images-idx3-ubyte.gz", gzZeros(header(idxImagesMagic, 1e6, 28, 28), 784e6))
		}, "/train-labels-idx1-ubyte.gz", "holds 5 labels but train-images-idx3-ubyte.gz holds 1000000 images"},
		{"idx images sparse 4 GiB", func(t *testing.T, dir string) {
			smallIDX(t, dir)
			writeFile(t, dir, "train-labels-idx1-ubyte.gz", idxLabels(make([]byte, 1e6)...))
			sparse(t, dir, "train-images-idx3-ubyte.gz", header(idxImagesMagic, 1e6, 28, 28), gib4)
		}, "/train-images-idx3-ubyte.gz", "data continues after the 1000000 records"},
		{"idx labels sparse 4 GiB of zeros", func(t *testing.T, dir string) {
			smallIDX(t, dir)
			sparse(t, dir, "train-labels-idx1-ubyte.gz", nil, gib4)
		}, "/train-labels-idx1-ubyte.gz", "bad magic number"},
		{"idx images FIFO", func(t *testing.T, dir string) {
			smallIDX(t, dir)
			fifo(t, dir, "train-images-idx3-ubyte.gz")
		}, "/train-images-idx3-ubyte.gz", "not a regular file"},
		{"idx labels symlink to /dev/zero", func(t *testing.T, dir string) {
			smallIDX(t, dir)
			devZero(t, dir, "train-labels-idx1-ubyte.gz")
		}, "/train-labels-idx1-ubyte.gz", "not a regular file"},
		// PNG, as the first train image (whose header sets the size) and as a later one.
		{"png first sparse 4 GiB of zeros", func(t *testing.T, dir string) {
			smallApparels(t, dir)
			sparse(t, dir, "train/5.png", nil, gib4)
		}, "/train/5.png", "not a valid PNG"},
		{"png first valid header, sparse 4 GiB", func(t *testing.T, dir string) {
			smallApparels(t, dir)
			sparse(t, dir, "train/5.png", grayPNG(t, 4, 4, 0), gib4)
		}, "/train/5.png", "4294967296 bytes"},
		{"png later sparse 4 GiB", func(t *testing.T, dir string) {
			smallApparels(t, dir)
			sparse(t, dir, "train/12.png", grayPNG(t, 4, 4, 0), gib4)
		}, "/train/12.png", "4294967296 bytes"},
		{"png first symlink to /dev/zero", func(t *testing.T, dir string) {
			smallApparels(t, dir)
			devZero(t, dir, "train/5.png")
		}, "/train/5.png", "not a regular file"},
		{"png later symlink to /dev/zero", func(t *testing.T, dir string) {
			smallApparels(t, dir)
			devZero(t, dir, "test/103.png")
		}, "/test/103.png", "not a regular file"},
		{"png first FIFO", func(t *testing.T, dir string) {
			smallApparels(t, dir)
			fifo(t, dir, "train/5.png")
		}, "/train/5.png", "not a regular file"},
		{"png later FIFO", func(t *testing.T, dir string) {
			smallApparels(t, dir)
			fifo(t, dir, "test/101.png")
		}, "/test/101.png", "not a regular file"},
		{"png claims 4096x4096", func(t *testing.T, dir string) {
			smallApparels(t, dir)
			writeFile(t, dir, "train/5.png", rawPNG(MaxImageSide, MaxImageSide, 16, 6, nil))
		}, "/train/5.png", "corrupt or truncated PNG"},
		// CSV.
		{"csv sparse 4 GiB of zeros", func(t *testing.T, dir string) {
			smallApparels(t, dir)
			sparse(t, dir, "train.csv", nil, gib4)
		}, "/train.csv", "longer than"},
		{"csv label of 4 GiB", func(t *testing.T, dir string) {
			smallApparels(t, dir)
			sparse(t, dir, "train.csv", []byte("id,label\n5,0\n3,"), gib4)
		}, "/train.csv", "longer than"},
		{"csv FIFO", func(t *testing.T, dir string) {
			smallApparels(t, dir)
			fifo(t, dir, "train.csv")
		}, "/train.csv", "not a regular file"},
		{"csv symlink to /dev/zero", func(t *testing.T, dir string) {
			smallApparels(t, dir)
			devZero(t, dir, "test.csv")
		}, "/test.csv", "not a regular file"},
	}
}

// gzZeros returns a gzip stream of head followed by n zero bytes, made of
// concatenated members (which gzip readers take as one stream) so that
// even 10^9 zeros cost a few milliseconds and about a megabyte.
func gzZeros(head []byte, n int) []byte {
	const block = 1 << 20
	out := gz(head)
	zeros := gz(make([]byte, block))
	for ; n >= block; n -= block {
		out = append(out, zeros...)
	}
	return append(out, gz(make([]byte, n))...)
}

// sparse writes head to dir/rel and extends the file to size bytes without
// writing them (the file system stores a hole).
func sparse(t *testing.T, dir, rel string, head []byte, size int64) {
	t.Helper()
	writeFile(t, dir, rel, head)
	if err := os.Truncate(filepath.Join(dir, rel), size); err != nil {
		t.Fatal(err)
	}
}

// fifo replaces dir/rel with a named pipe that nobody writes to.
func fifo(t *testing.T, dir, rel string) {
	t.Helper()
	p := filepath.Join(dir, rel)
	os.Remove(p)
	if err := syscall.Mkfifo(p, 0o644); err != nil {
		t.Fatal(err)
	}
}

// devZero replaces dir/rel with a symlink to /dev/zero.
func devZero(t *testing.T, dir, rel string) {
	t.Helper()
	p := filepath.Join(dir, rel)
	os.Remove(p)
	if err := os.Symlink("/dev/zero", p); err != nil {
		t.Fatal(err)
	}
}

// TestHostileHarness checks the harness itself: a child that really does
// allocate is measured as doing so, and one that ran away is reported.
func TestHostileHarness(t *testing.T) {
	if testing.Short() {
		t.Skip("re-executes the test binary")
	}
	// A dataset of 400,000 4x4 images: about 20 MB of pixels, labels and ids.
	dir := t.TempDir()
	n := 400000
	writeFile(t, dir, "train-images-idx3-ubyte", idxImages(n, 4, 4))
	writeFile(t, dir, "train-labels-idx1-ubyte", idxLabels(make([]byte, n)...))
	res, peak := runHostileChild(t, dir)
	if res.Err != "" {
		t.Fatal(res.Err)
	}
	if want := int64(n * (16 + 4 + 8)); peak < want {
		t.Errorf("peak RSS %d bytes, less than the %d bytes the set holds", peak, want)
	}
	t.Logf("peak RSS of a valid %d-image set: %.1f MB", n, float64(peak)/1e6)
}
