package data

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// smallIDX writes a valid IDX layout into dir: 5 train images 3x2 (labels
// 0-4, train files gzipped) and 2 test images (plain files).
func smallIDX(t testing.TB, dir string) {
	t.Helper()
	writeFile(t, dir, "train-images-idx3-ubyte.gz", gz(idxImages(5, 3, 2)))
	writeFile(t, dir, "train-labels-idx1-ubyte.gz", gz(idxLabels(0, 1, 2, 3, 4)))
	writeFile(t, dir, "t10k-images-idx3-ubyte", idxImages(2, 3, 2))
	writeFile(t, dir, "t10k-labels-idx1-ubyte", idxLabels(9, 8))
}

func TestLoadIDXSmall(t *testing.T) {
	dir := t.TempDir()
	smallIDX(t, dir)
	ds, err := Load(dir, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if ds.Layout != LayoutIDX || ds.Train.N != 5 || ds.Train.H != 3 || ds.Train.W != 2 || ds.Test.N != 2 {
		t.Fatalf("got %v", ds)
	}
	if !slices.Equal(ds.Train.Labels, []int32{0, 1, 2, 3, 4}) || !slices.Equal(ds.Test.Labels, []int32{9, 8}) {
		t.Errorf("labels %v %v", ds.Train.Labels, ds.Test.Labels)
	}
	// The contest's numbering: train 1.., test from 60001.
	if !slices.Equal(ds.Train.IDs, []int64{1, 2, 3, 4, 5}) || !slices.Equal(ds.Test.IDs, []int64{60001, 60002}) ||
		!slices.Equal(ds.SubmissionIDs, []int64{60001, 60002}) {
		t.Errorf("ids %v test %v submission %v", ds.Train.IDs, ds.Test.IDs, ds.SubmissionIDs)
	}
	if got := ds.Train.Image(3); !slices.Equal(got, []byte{3, 4, 5, 6, 7, 8}) {
		t.Errorf("train image 3 = %v", got)
	}
}

// TestLoadIDXAccepted: gzip is told by its magic bytes, not the name; the
// dotted spelling of the names; no test set.
func TestLoadIDXAccepted(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "train-images.idx3-ubyte", gz(idxImages(4, 2, 2)))   // gzipped, no .gz
	writeFile(t, dir, "train-labels-idx1-ubyte.gz", idxLabels(1, 2, 3, 4)) // .gz, not gzipped
	ds, err := Load(dir, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if ds.Train.N != 4 || ds.Test != nil || ds.SubmissionIDs != nil {
		t.Errorf("got %v", ds)
	}
}

// TestLoadIDXBad is the table of bad IDX input: each is an *InputError
// naming the file and the record (0 for the whole file).
func TestLoadIDXBad(t *testing.T) {
	img := idxImages(5, 3, 2)
	lab := idxLabels(0, 1, 2, 3, 4)
	wrongMagic := slices.Clone(img)
	wrongMagic[3] = 0x02
	cases := []struct {
		name   string
		file   string // written with content, replacing the valid one
		data   []byte
		record int
		msg    string
	}{
		{"wrong magic", "train-images-idx3-ubyte.gz", wrongMagic, 0, "bad magic number 0x00000802"},
		{"wrong magic gz", "train-images-idx3-ubyte.gz", gz(wrongMagic), 0, "bad magic number"},
		{"labels as images", "train-images-idx3-ubyte.gz", lab, 0, "this is a label file"},
		{"images as labels", "train-labels-idx1-ubyte.gz", img, 0, "this is an image file"},
		{"truncated header", "train-images-idx3-ubyte.gz", img[:10], 0, "truncated header: 10 of 16 bytes"},
		{"truncated header gz", "train-images-idx3-ubyte.gz", gz(img[:10]), 0, "truncated header"},
		{"truncated data", "train-images-idx3-ubyte.gz", img[:16+6*3+2], 4, "file ends inside record 4 of 5"},
		{"truncated data gz", "train-images-idx3-ubyte.gz", gz(img[:16+6*3+2]), 4, "file ends inside record 4 of 5"},
		{"gzip trailer cut", "train-images-idx3-ubyte.gz", cut(gz(img), 6), 0, "truncated or corrupt data: unexpected end"},
		{"gzip checksum", "train-images-idx3-ubyte.gz", flipByte(gz(img), len(gz(img))-6), 0, "gzip: invalid checksum"},
		{"corrupt gzip header", "train-images-idx3-ubyte.gz", []byte{0x1f, 0x8b, 0, 0}, 0, "corrupt gzip header"},
		{"truncated labels", "train-labels-idx1-ubyte.gz", lab[:11], 4, "record 4 of 5"},
		{"trailing data", "train-images-idx3-ubyte.gz", append(slices.Clone(img), 1, 2), 0, "data continues after the 5 records"},
		{"count mismatch", "train-labels-idx1-ubyte.gz", idxLabels(0, 1, 2, 3), 0, "holds 4 labels but train-images-idx3-ubyte.gz holds 5 images"},
		{"label out of range", "train-labels-idx1-ubyte.gz", idxLabels(0, 1, 2, 10, 4), 4, "label 10 outside 0-9"},
		{"empty", "train-images-idx3-ubyte.gz", idxImages(0, 3, 2), 0, "empty dataset"},
		{"empty labels", "train-labels-idx1-ubyte.gz", idxLabels(), 0, "empty dataset"},
		{"zero rows", "train-images-idx3-ubyte.gz", idxImages(5, 0, 2), 0, "header claims 0x2 images"},
		// Headers claiming far more than any real data, with no data after them.
		{"huge dims", "train-images-idx3-ubyte.gz", header(idxImagesMagic, 10, 100000, 100000), 0, "header claims 100000x100000 images"},
		{"huge total", "train-images-idx3-ubyte.gz", header(idxImagesMagic, 1<<20, 4000, 4000), 0, "more than 4294967296 pixels"},
		{"huge count", "train-labels-idx1-ubyte.gz", header(idxLabelsMagic, 1e9), 0, "header claims 1000000000 records; at most 16777216"},
		{"huge count gz", "train-labels-idx1-ubyte.gz", gzZeros(header(idxLabelsMagic, 1<<24+1), 1e6), 0, "header claims 16777217 records"},
		{"test size differs", "t10k-images-idx3-ubyte", idxImages(2, 2, 3), 0, "images are 2x3 but the train images are 3x2"},
		{"test labels bad", "t10k-labels-idx1-ubyte", idxLabels(200, 1), 1, "label 200"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			smallIDX(t, dir)
			writeFile(t, dir, c.file, c.data)
			_, err := Load(dir, LoadOptions{})
			inputErr(t, err, "/"+c.file, 0, c.record, c.msg)
		})
	}
}

// TestLoadIDXHeadersFirst: all four headers are read and checked against
// each other before any body, so a header's lie is reported without
// reading (or allocating for) the data that follows it: here every body
// that would be read first is corrupt, and the error is still the headers'.
func TestLoadIDXHeadersFirst(t *testing.T) {
	corrupt := func(b []byte) []byte { return flipByte(b, len(b)-6) } // gzip checksum
	cases := []struct {
		name  string
		files map[string][]byte
		file  string
		msg   string
	}{
		{"label count", map[string][]byte{
			"train-images-idx3-ubyte.gz": corrupt(gz(idxImages(5, 3, 2))),
			"train-labels-idx1-ubyte.gz": corrupt(gz(idxLabels(0, 1, 2, 3))),
		}, "/train-labels-idx1-ubyte.gz", "holds 4 labels but train-images-idx3-ubyte.gz holds 5 images"},
		{"test size", map[string][]byte{
			"train-images-idx3-ubyte.gz": corrupt(gz(idxImages(5, 3, 2))),
			"train-labels-idx1-ubyte.gz": corrupt(gz(idxLabels(0, 1, 2, 3, 4))),
			"t10k-images-idx3-ubyte":     idxImages(2, 2, 3),
		}, "/t10k-images-idx3-ubyte", "images are 2x3 but the train images are 3x2"},
		{"test label count", map[string][]byte{
			"train-images-idx3-ubyte.gz": corrupt(gz(idxImages(5, 3, 2))),
			"t10k-labels-idx1-ubyte":     idxLabels(1),
		}, "/t10k-labels-idx1-ubyte", "holds 1 labels but t10k-images-idx3-ubyte holds 2 images"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			smallIDX(t, dir)
			for name, b := range c.files {
				writeFile(t, dir, name, b)
			}
			_, err := Load(dir, LoadOptions{})
			inputErr(t, err, c.file, 0, 0, c.msg)
		})
	}
}

// TestLoadIDXMissing: a missing file of a pair is named.
func TestLoadIDXMissing(t *testing.T) {
	for _, c := range []struct{ remove, want string }{
		{"train-labels-idx1-ubyte.gz", "/train-labels-idx1-ubyte[.gz]"},
		{"t10k-labels-idx1-ubyte", "/t10k-labels-idx1-ubyte[.gz]"},
		{"t10k-images-idx3-ubyte", "/t10k-images-idx3-ubyte[.gz]"},
	} {
		dir := t.TempDir()
		smallIDX(t, dir)
		os.Remove(filepath.Join(dir, c.remove))
		_, err := Load(dir, LoadOptions{})
		inputErr(t, err, c.want, 0, 0, "no such file")
	}
}

// cut drops the last k bytes of b.
func cut(b []byte, k int) []byte { return b[:len(b)-k] }

func header(magic uint32, dims ...int) []byte {
	b := idxImages(0, 0, 0)[:0]
	b = append(b, byte(magic>>24), byte(magic>>16), byte(magic>>8), byte(magic))
	for _, d := range dims {
		b = append(b, byte(d>>24), byte(d>>16), byte(d>>8), byte(d))
	}
	return b
}
