package data

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
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
	for _, name := range idxNames(prefix, kind) {
		for _, ext := range []string{"", ".gz"} {
			p := filepath.Join(dir, name+ext)
			if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
				return p
			}
		}
	}
	return ""
}

// ReadIDX reads an IDX image file and its label file (each gzipped or not)
// into a Set whose IDs are the 1-based record indices.
func ReadIDX(imagesPath, labelsPath string) (*Set, error) {
	var s Set
	var err error
	s.N, s.H, s.W, s.Pixels, err = readIDXFile(imagesPath, decodeIDXImages)
	if err != nil {
		return nil, err
	}
	_, _, _, raw, err := readIDXFile(labelsPath, decodeIDXLabels)
	if err != nil {
		return nil, err
	}
	labels := make([]int32, len(raw))
	for i, l := range raw {
		labels[i] = int32(l)
	}
	if len(labels) != s.N {
		return nil, recordErr(labelsPath, 0, "holds %d labels but %s holds %d images",
			len(labels), filepath.Base(imagesPath), s.N)
	}
	s.Labels = labels
	s.IDs = make([]int64, s.N)
	for i := range s.IDs {
		s.IDs[i] = int64(i + 1)
	}
	return &s, nil
}

type idxDecoder func(file string, r io.Reader, size int64) (n, h, w int, body []byte, err error)

// readIDXFile opens path and decodes it with decodeIDX.
func readIDXFile(path string, decode idxDecoder) (n, h, w int, body []byte, err error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, 0, 0, nil, &InputError{File: path, Msg: missingMsg(err)}
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return 0, 0, 0, nil, &InputError{File: path, Msg: err.Error()}
	}
	return decodeIDX(path, f, st.Size(), decode)
}

// decodeIDX gunzips r when it starts with the gzip magic bytes, whatever the
// file is called, and hands it to decode with the size of the raw data (-1
// when unknown).
func decodeIDX(file string, r io.Reader, size int64, decode idxDecoder) (n, h, w int, body []byte, err error) {
	br := bufio.NewReaderSize(r, 1<<20)
	r = br
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return 0, 0, 0, nil, &InputError{File: file, Msg: "corrupt gzip header: " + err.Error()}
		}
		r, size = zr, -1
	}
	return decode(file, r, size)
}

// decodeIDXImages reads an IDX3 unsigned-byte file: magic, count, rows,
// columns (big-endian uint32), then count*rows*columns pixels.
func decodeIDXImages(file string, r io.Reader, size int64) (n, h, w int, pix []byte, err error) {
	hdr, err := readIDXHeader(file, r, idxImagesMagic, 3)
	if err != nil {
		return 0, 0, 0, nil, err
	}
	n, h, w = hdr[0], hdr[1], hdr[2]
	if h == 0 || w == 0 || h > MaxImageSide || w > MaxImageSide {
		return 0, 0, 0, nil, recordErr(file, 0, "header claims %dx%d images; want 1 to %d pixels a side", h, w, MaxImageSide)
	}
	if uint64(n)*uint64(h)*uint64(w) > MaxSetPixels {
		return 0, 0, 0, nil, recordErr(file, 0, "header claims %d images of %dx%d, more than %d pixels in all", n, h, w, uint64(MaxSetPixels))
	}
	pix, err = readIDXBody(file, r, size-16, n, h*w)
	return n, h, w, pix, err
}

// decodeIDXLabels reads an IDX1 unsigned-byte file: magic, count, then count
// labels, each of which must be a class index.
func decodeIDXLabels(file string, r io.Reader, size int64) (n, h, w int, labels []byte, err error) {
	hdr, err := readIDXHeader(file, r, idxLabelsMagic, 1)
	if err != nil {
		return 0, 0, 0, nil, err
	}
	n = hdr[0]
	labels, err = readIDXBody(file, r, size-8, n, 1)
	if err != nil {
		return 0, 0, 0, nil, err
	}
	for i, l := range labels {
		if int(l) >= NumClasses {
			return 0, 0, 0, nil, recordErr(file, i+1, "label %d outside 0-%d", l, NumClasses-1)
		}
	}
	return n, 1, 1, labels, nil
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

// readIDXBody reads exactly n records of recSize bytes and checks that
// nothing follows them. raw is the number of bytes left in an uncompressed
// file (negative when unknown), so truncation is caught before allocating;
// otherwise memory grows only as data actually arrives.
func readIDXBody(file string, r io.Reader, raw int64, n, recSize int) ([]byte, error) {
	need := int64(n) * int64(recSize)
	if raw >= 0 && raw < need {
		return nil, recordErr(file, int(raw/int64(recSize))+1,
			"truncated: file ends inside record %d of %d", raw/int64(recSize)+1, n)
	}
	var buf bytes.Buffer
	if raw >= 0 {
		buf.Grow(int(need + 1))
	} else {
		buf.Grow(int(min(need+1, 1<<20))) // a gzip header may lie; grow with the data
	}
	_, err := buf.ReadFrom(io.LimitReader(r, need+1))
	got := int64(buf.Len())
	if err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) {
			err = errors.New("unexpected end of compressed data")
		}
		record := 0 // all records arrived; the gzip trailer is bad
		if got < need {
			record = int(got/int64(recSize)) + 1
		}
		return nil, recordErr(file, record, "truncated or corrupt data: %v", err)
	}
	if got < need {
		return nil, recordErr(file, int(got/int64(recSize))+1,
			"truncated: file ends inside record %d of %d", got/int64(recSize)+1, n)
	}
	if got > need {
		return nil, recordErr(file, 0, "data continues after the %d records the header claims", n)
	}
	return buf.Bytes(), nil
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
