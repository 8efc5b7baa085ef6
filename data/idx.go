package data

import (
	"bufio"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/glcnn/glcnn/internal/fsutil"
)

// IDX magic numbers: two zero bytes, type 0x08 (unsigned byte), dimensions.
const (
	idxImagesMagic = 0x00000803
	idxLabelsMagic = 0x00000801
)

// idxNames lists the file names recognised for one IDX file, without ".gz";
// the second spelling is the one some mirrors use.
func idxNames(prefix, kind string) []string {
	dims := map[string]string{"images": "idx3", "labels": "idx1"}[kind]
	return []string{
		prefix + "-" + kind + "-" + dims + "-ubyte",
		prefix + "-" + kind + "." + dims + "-ubyte",
	}
}

// findIDX returns the path of the IDX file prefix-kind in dir, gzipped or
// not, or "" when there is none.
func findIDX(dir, prefix, kind string) string {
	var paths []string
	for _, name := range idxNames(prefix, kind) {
		for _, ext := range []string{"", ".gz"} {
			paths = append(paths, filepath.Join(dir, name+ext))
		}
	}
	return firstFile(paths...)
}

// ReadIDX reads an IDX image file and its label file (each gzipped or not)
// into a Set whose IDs are the 1-based record indices (Load renumbers a test
// set: see IDXTestFirstID). Both headers are
// read and checked against each other before either body, and each body is
// read through a reader that stops where its header says it ends, so a
// header's lie costs no more memory than the data really there.
func ReadIDX(imagesPath, labelsPath string) (*Set, error) {
	img, lab, err := openIDXPair(imagesPath, labelsPath)
	if err != nil {
		return nil, err
	}
	defer img.close()
	defer lab.close()
	return readIDXPair(img, lab)
}

// idxFile is an IDX file whose header has been read and checked; r is at
// the first record.
type idxFile struct {
	path   string
	r      io.Reader
	raw    int64 // bytes after the header in an uncompressed file; -1 when gzipped
	n      int   // records
	h, w   int   // image size; 1x1 for labels
	closer io.Closer
}

func (x *idxFile) close() {
	if x != nil && x.closer != nil {
		x.closer.Close()
	}
}

// openIDXPair opens an image file and its label file, reads both headers
// and checks that they describe the same number of records.
func openIDXPair(imagesPath, labelsPath string) (img, lab *idxFile, err error) {
	if img, err = openIDX(imagesPath, idxImagesMagic); err != nil {
		return nil, nil, err
	}
	if lab, err = openIDX(labelsPath, idxLabelsMagic); err == nil {
		err = checkIDXPair(img, lab)
	}
	if err != nil {
		img.close()
		lab.close()
		return nil, nil, err
	}
	return img, lab, nil
}

// checkIDXPair refuses label and image headers that disagree on the count.
func checkIDXPair(img, lab *idxFile) error {
	if lab.n != img.n {
		return recordErr(lab.path, 0, "holds %d labels but %s holds %d images",
			lab.n, filepath.Base(img.path), img.n)
	}
	return nil
}

// readIDXPair reads the bodies of a checked pair into a Set, the labels
// first: they are the smaller, so a pair whose labels stop short is refused
// before the images are read.
func readIDXPair(img, lab *idxFile) (*Set, error) {
	raw, err := lab.labels()
	if err != nil {
		return nil, err
	}
	pix, err := img.body()
	if err != nil {
		return nil, err
	}
	s := &Set{N: img.n, H: img.h, W: img.w, Pixels: pix, Labels: make([]int32, len(raw)), IDs: make([]int64, img.n)}
	for i, l := range raw {
		s.Labels[i] = int32(l)
	}
	numberIDX(s, 1)
	return s, nil
}

// IDX data has no ids of its own; glcnn numbers the records as the "Identify
// the Apparels" contest numbers Fashion-MNIST, on the assumption that the
// contest's ids follow the IDX record order: train record i (from 0) has id
// i+1, 1..60000, and test record i has id 60001+i, 60001..70000. Load gives
// the sets these ids, so predictions, submission.csv and the Apparels export
// of an IDX dataset carry the contest's ids.

// ContestTrainImages is the size of the contest's (Fashion-MNIST's) train
// set; its test ids start after it, at ContestTrainImages+1.
const ContestTrainImages = 60000

// IDXTestFirstID returns the id Load gives the first record of the test set
// of an IDX dataset whose train set holds trainN records: 60001, the
// contest's first test id, or trainN+1 when the train set is larger than the
// contest's, so that no test id repeats a train id. Test record i has id
// IDXTestFirstID(trainN)+i; train record i has id i+1.
func IDXTestFirstID(trainN int) int64 {
	return int64(max(trainN, ContestTrainImages)) + 1
}

// numberIDX gives the records of s the ids first, first+1, ... in order.
func numberIDX(s *Set, first int64) {
	for i := range s.IDs {
		s.IDs[i] = first + int64(i)
	}
}

// openIDX opens path and reads its header; magic is idxImagesMagic or
// idxLabelsMagic.
func openIDX(path string, magic uint32) (*idxFile, error) {
	f, size, err := fsutil.OpenRegular(path)
	if err != nil {
		return nil, &InputError{File: path, Msg: missingMsg(err)}
	}
	x, err := parseIDXHeader(path, f, size, magic)
	if err != nil {
		f.Close()
		return nil, err
	}
	x.closer = f
	return x, nil
}

// parseIDXHeader gunzips r when it starts with the gzip magic bytes,
// whatever the file is called, then reads and checks the header: the magic
// number, at least one and at most MaxSetImages records, images of 1 to
// MaxImageSide pixels a side and at most MaxSetPixels in all, and for an
// uncompressed file of size bytes (-1: unknown) exactly the data the header
// claims.
func parseIDXHeader(file string, r io.Reader, size int64, magic uint32) (*idxFile, error) {
	br := bufio.NewReaderSize(r, 1<<20)
	x := &idxFile{path: file, r: br, raw: -1, h: 1, w: 1}
	if m, _ := br.Peek(2); len(m) == 2 && m[0] == 0x1f && m[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, &InputError{File: file, Msg: "corrupt gzip header: " + err.Error()}
		}
		x.r, size = zr, -1
	}
	dims := 1
	if magic == idxImagesMagic {
		dims = 3
	}
	hdr, err := readIDXHeader(file, x.r, magic, dims)
	if err != nil {
		return nil, err
	}
	x.n = hdr[0]
	if x.n > MaxSetImages {
		return nil, recordErr(file, 0, "header claims %d records; at most %d are accepted", x.n, MaxSetImages)
	}
	if dims == 3 {
		x.h, x.w = hdr[1], hdr[2]
		if x.h == 0 || x.w == 0 || x.h > MaxImageSide || x.w > MaxImageSide {
			return nil, recordErr(file, 0, "header claims %dx%d images; want 1 to %d pixels a side", x.h, x.w, MaxImageSide)
		}
		if uint64(x.n)*uint64(x.h)*uint64(x.w) > MaxSetPixels {
			return nil, recordErr(file, 0, "header claims %d images of %dx%d, more than %d pixels in all", x.n, x.h, x.w, uint64(MaxSetPixels))
		}
	}
	if size >= 0 {
		x.raw = size - int64(4*(1+dims))
		rec := int64(x.h * x.w)
		if need := int64(x.n) * rec; x.raw < need {
			return nil, recordErr(file, int(x.raw/rec)+1, "truncated: file ends inside record %d of %d", x.raw/rec+1, x.n)
		} else if x.raw > need {
			return nil, recordErr(file, 0, "data continues after the %d records the header claims (%d bytes more)", x.n, x.raw-need)
		}
	}
	return x, nil
}

// readIDXHeader reads the magic number and dims dimension sizes.
func readIDXHeader(file string, r io.Reader, magic uint32, dims int) ([]int, error) {
	buf := make([]byte, 4*(1+dims))
	if k, err := io.ReadFull(r, buf[:4]); err != nil {
		return nil, recordErr(file, 0, "truncated header: %d of %d bytes", k, len(buf))
	}
	if got := binary.BigEndian.Uint32(buf); got != magic {
		msg := fmt.Sprintf("bad magic number 0x%08x, want 0x%08x (IDX%d unsigned bytes)", got, magic, dims)
		switch got {
		case idxImagesMagic:
			msg += "; this is an image file"
		case idxLabelsMagic:
			msg += "; this is a label file"
		}
		return nil, recordErr(file, 0, "%s", msg)
	}
	if k, err := io.ReadFull(r, buf[4:]); err != nil {
		return nil, recordErr(file, 0, "truncated header: %d of %d bytes", 4+k, len(buf))
	}
	out := make([]int, dims)
	for i := range out {
		out[i] = int(binary.BigEndian.Uint32(buf[4*(i+1):]))
	}
	if out[0] == 0 {
		return nil, recordErr(file, 0, "empty dataset: header claims 0 records")
	}
	return out, nil
}

// labels reads the body of a label file and checks that each is a class.
func (x *idxFile) labels() ([]byte, error) {
	labels, err := x.body()
	if err != nil {
		return nil, err
	}
	for i, l := range labels {
		if int(l) >= NumClasses {
			return nil, recordErr(x.path, i+1, "label %d outside 0-%d", l, NumClasses-1)
		}
	}
	return labels, nil
}

// body reads exactly the records the header claims, to the end of the
// file (which checks a gzip stream's checksum), and refuses more. It never
// reads past one byte beyond them, and memory grows with the data that
// actually arrives, never past what the header claims: a gzip stream may
// lie about its length.
func (x *idxFile) body() ([]byte, error) {
	rec := int64(x.h * x.w)
	need := int64(x.n) * rec
	r := io.LimitReader(x.r, need+1)
	var buf []byte
	if x.raw >= 0 { // the size was checked against the header
		buf = make([]byte, 0, need+1)
	} else {
		buf = make([]byte, 0, min(need+1, 1<<20))
	}
	var err error
	for {
		if len(buf) == cap(buf) && int64(cap(buf)) <= need {
			buf = append(make([]byte, 0, min(2*int64(cap(buf)), need+1)), buf...)
		}
		var k int
		k, err = r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+k]
		if err != nil {
			break
		}
	}
	got := int64(len(buf))
	if err != io.EOF {
		if errors.Is(err, io.ErrUnexpectedEOF) {
			err = errors.New("unexpected end of compressed data")
		}
		record := 0 // all records arrived; the gzip trailer is bad
		if got < need {
			record = int(got/rec) + 1
		}
		return nil, recordErr(x.path, record, "truncated or corrupt data: %v", err)
	}
	if got < need {
		return nil, recordErr(x.path, int(got/rec)+1, "truncated: file ends inside record %d of %d", got/rec+1, x.n)
	}
	if got > need {
		return nil, recordErr(x.path, 0, "data continues after the %d records the header claims", x.n)
	}
	return buf, nil
}

// missingMsg words an open failure for the user.
func missingMsg(err error) string {
	if errors.Is(err, os.ErrNotExist) {
		return "no such file"
	}
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}
