package data

import (
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// benchDirs holds folders made once per test binary (the 70,000-PNG export);
// TestMain removes them.
var benchDirs []string

func TestMain(m *testing.M) {
	if dir := os.Getenv(hostileChildEnv); dir != "" {
		os.Exit(hostileChild(dir)) // hostile_test.go
	}
	if dir := os.Getenv(exportChildEnv); dir != "" {
		os.Exit(exportChild(dir)) // export_cancel_test.go
	}
	code := m.Run()
	for _, d := range benchDirs {
		os.RemoveAll(d)
	}
	os.Exit(code)
}

var (
	realOnce sync.Once
	realDS   *Dataset
	realErr  error
)

// realDataset loads the real Fashion-MNIST from DefaultDir once per test
// binary. It fails (never skips) when the data is missing: a skip would hide
// a machine set up without `make deps`.
func realDataset(tb testing.TB) *Dataset {
	tb.Helper()
	realOnce.Do(func() { realDS, realErr = Load("", LoadOptions{}) })
	if realErr != nil {
		tb.Fatalf("the real Fashion-MNIST is needed in %s (`make deps` installs the Debian package dataset-fashion-mnist): %v", DefaultDir, realErr)
	}
	return realDS
}

// writeFile writes content to dir/rel, making folders as needed.
func writeFile(t testing.TB, dir, rel string, content []byte) {
	t.Helper()
	p := filepath.Join(dir, rel)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, content, 0o644); err != nil {
		t.Fatal(err)
	}
}

// grayPNG encodes a w x h 8-bit gray PNG whose pixel k is seed+k.
func grayPNG(t testing.TB, w, h int, seed byte) []byte {
	t.Helper()
	img := image.NewGray(image.Rect(0, 0, w, h))
	for k := range img.Pix {
		img.Pix[k] = seed + byte(k)
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// smallApparels writes a valid Apparels layout of 4x4 images into dir:
// train ids 5, 3, 9, 12, 7, 1 (labels 0-5, lines 2-7), test ids 104, 101,
// 103 (lines 2-4) and a sample submission in another order.
func smallApparels(t testing.TB, dir string) {
	t.Helper()
	train := "id,label\n5,0\n3,1\n9,2\n12,3\n7,4\n1,5\n"
	writeFile(t, dir, "train.csv", []byte(train))
	for i, id := range []int{5, 3, 9, 12, 7, 1} {
		writeFile(t, dir, fmt.Sprintf("train/%d.png", id), grayPNG(t, 4, 4, byte(10*i)))
	}
	writeFile(t, dir, "test.csv", []byte("id\n104\n101\n103\n"))
	for i, id := range []int{104, 101, 103} {
		writeFile(t, dir, fmt.Sprintf("test/%d.png", id), grayPNG(t, 4, 4, byte(100+10*i)))
	}
	writeFile(t, dir, "sample_submission.csv", []byte("id,label\n101,0\n103,0\n104,0\n"))
}

// idxImages returns an IDX3 file of n h x w images, pixel k of image i being i+k.
func idxImages(n, h, w int) []byte {
	b := binary.BigEndian.AppendUint32(nil, idxImagesMagic)
	for _, d := range []int{n, h, w} {
		b = binary.BigEndian.AppendUint32(b, uint32(d))
	}
	for i := range n {
		for k := range h * w {
			b = append(b, byte(i+k))
		}
	}
	return b
}

// idxLabels returns an IDX1 file holding labels.
func idxLabels(labels ...byte) []byte {
	b := binary.BigEndian.AppendUint32(nil, idxLabelsMagic)
	b = binary.BigEndian.AppendUint32(b, uint32(len(labels)))
	return append(b, labels...)
}

func gz(b []byte) []byte {
	var out bytes.Buffer
	zw := gzip.NewWriter(&out)
	zw.Write(b)
	zw.Close()
	return out.Bytes()
}

// pngChunk is one chunk for rawPNG.
type pngChunk struct {
	typ  string
	data []byte
}

// rawPNG builds a PNG by hand, for the color types and headers image/png
// does not write (gray+alpha, 1-bit gray, lying IHDR). rows are the
// unfiltered scanlines; each gets filter byte 0.
func rawPNG(w, h int, depth, colorType byte, rows [][]byte, extra ...pngChunk) []byte {
	out := []byte("\x89PNG\r\n\x1a\n")
	add := func(c pngChunk) {
		out = binary.BigEndian.AppendUint32(out, uint32(len(c.data)))
		start := len(out)
		out = append(out, c.typ...)
		out = append(out, c.data...)
		out = binary.BigEndian.AppendUint32(out, crc32.ChecksumIEEE(out[start:]))
	}
	ihdr := binary.BigEndian.AppendUint32(nil, uint32(w))
	ihdr = binary.BigEndian.AppendUint32(ihdr, uint32(h))
	ihdr = append(ihdr, depth, colorType, 0, 0, 0)
	add(pngChunk{"IHDR", ihdr})
	for _, c := range extra {
		add(c)
	}
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	for _, r := range rows {
		zw.Write(append([]byte{0}, r...))
	}
	zw.Close()
	add(pngChunk{"IDAT", z.Bytes()})
	add(pngChunk{"IEND", nil})
	return out
}

// inputErr asserts that err is an *InputError about a file whose path ends
// with file (slash-separated), at the given line and record, whose message
// contains msg.
func inputErr(t testing.TB, err error, file string, line, record int, msg string) {
	t.Helper()
	var ie *InputError
	if !errors.As(err, &ie) {
		t.Fatalf("got %T %v, want *InputError", err, err)
	}
	if !strings.HasSuffix(filepath.ToSlash(ie.File), file) || ie.Line != line || ie.Record != record {
		t.Errorf("error %q names file %q line %d record %d, want *%s line %d record %d",
			ie, ie.File, ie.Line, ie.Record, file, line, record)
	}
	if !strings.Contains(ie.Msg, msg) {
		t.Errorf("error %q does not say %q", ie, msg)
	}
}
