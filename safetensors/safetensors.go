package safetensors

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"sort"

	"github.com/glcnn/glcnn/internal/fsutil"
)

// DType is a tensor's element type, by its name in the file. Only the two
// glcnn needs are supported: F32 for weights and I64 for PyTorch's
// BatchNorm num_batches_tracked (a scalar of shape [] that a strict
// load_state_dict insists on).
type DType string

// The supported dtypes.
const (
	F32 DType = "F32" // float32, little-endian IEEE 754
	I64 DType = "I64" // int64, little-endian two's complement
)

// maxHeaderSize bounds the JSON header, as the reference implementation
// does (100 MB), so a corrupt length cannot make the reader allocate gigabytes.
const maxHeaderSize = 100 << 20

// metadataKey is the reserved header key holding the string-to-string metadata.
const metadataKey = "__metadata__"

// Tensor is one named tensor of a safetensors file. DType is F32 or I64
// and says which of the fields F32 or I64 holds the values, row-major; the
// other is nil. Shape [] is a scalar (one value).
type Tensor struct {
	Name  string
	DType DType
	Shape []int
	F32   []float32
	I64   []int64
}

// NumElements returns the product of the tensor's shape (1 for a scalar).
func (t *Tensor) NumElements() int {
	n := 1
	for _, d := range t.Shape {
		n *= d
	}
	return n
}

// headerEntry is one tensor's entry of the JSON header.
type headerEntry struct {
	DType       DType    `json:"dtype"`
	Shape       []int    `json:"shape"`
	DataOffsets [2]int64 `json:"data_offsets"`
}

// WriteFile writes ts, in the order given, and meta (may be nil) to path
// in the safetensors format. The file is replaced atomically
// (fsutil.WriteFileAtomic): a crash leaves the old file or the new one,
// never a partial one. An invalid tensor (empty or duplicate name, unknown
// dtype, negative dimension, value count not matching the shape) is
// reported as an error naming it rather than a panic, so a checkpoint
// writer in a training loop fails without losing the run.
func WriteFile(path string, ts []Tensor, meta map[string]string) error {
	header, err := encodeHeader(ts, meta)
	if err != nil {
		return fmt.Errorf("safetensors: %s: %w", path, err)
	}
	err = fsutil.WriteFileAtomic(path, func(w io.Writer) error {
		var n [8]byte
		binary.LittleEndian.PutUint64(n[:], uint64(len(header)))
		if _, err := w.Write(n[:]); err != nil {
			return err
		}
		if _, err := w.Write(header); err != nil {
			return err
		}
		return writeData(w, ts)
	})
	if err != nil {
		return fmt.Errorf("safetensors: write %s: %w", path, err)
	}
	return nil
}

// writeData writes the values of ts, one after the other, little-endian.
func writeData(w io.Writer, ts []Tensor) error {
	var buf [8]byte
	for i := range ts {
		t := &ts[i]
		switch t.DType {
		case F32:
			for _, v := range t.F32 {
				binary.LittleEndian.PutUint32(buf[:4], math.Float32bits(v))
				if _, err := w.Write(buf[:4]); err != nil {
					return err
				}
			}
		case I64:
			for _, v := range t.I64 {
				binary.LittleEndian.PutUint64(buf[:], uint64(v))
				if _, err := w.Write(buf[:]); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// encodeHeader validates ts and returns the padded JSON header. It is
// written by hand rather than with json.Marshal of a map so the tensors
// appear in the order given (Go would sort the keys) and the metadata
// comes first.
func encodeHeader(ts []Tensor, meta map[string]string) ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	if len(meta) > 0 {
		keys := make([]string, 0, len(meta))
		for k := range meta {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		b.WriteString(jsonString(metadataKey) + ":{")
		for i, k := range keys {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(jsonString(k) + ":" + jsonString(meta[k]))
		}
		b.WriteByte('}')
	}
	seen := make(map[string]bool, len(ts))
	var offset int64
	for i := range ts {
		t := &ts[i]
		if err := checkTensor(t, seen); err != nil {
			return nil, err
		}
		size := int64(t.NumElements()) * dtypeSize(t.DType)
		e := headerEntry{DType: t.DType, Shape: t.Shape, DataOffsets: [2]int64{offset, offset + size}}
		if e.Shape == nil {
			e.Shape = []int{} // a scalar is "shape":[], never null
		}
		ej, err := json.Marshal(e)
		if err != nil {
			return nil, err
		}
		if b.Len() > 1 {
			b.WriteByte(',')
		}
		b.WriteString(jsonString(t.Name) + ":")
		b.Write(ej)
		offset += size
	}
	b.WriteByte('}')
	for b.Len()%8 != 0 {
		b.WriteByte(' ')
	}
	return b.Bytes(), nil
}

// checkTensor reports what is wrong with t, if anything; seen collects names.
func checkTensor(t *Tensor, seen map[string]bool) error {
	switch {
	case t.Name == "":
		return errors.New("tensor with an empty name")
	case t.Name == metadataKey:
		return fmt.Errorf("tensor name %q is reserved", t.Name)
	case seen[t.Name]:
		return fmt.Errorf("tensor %q appears twice", t.Name)
	}
	seen[t.Name] = true
	for _, d := range t.Shape {
		if d < 0 {
			return fmt.Errorf("tensor %q: negative dimension in shape %v", t.Name, t.Shape)
		}
	}
	n := t.NumElements()
	switch t.DType {
	case F32:
		if len(t.F32) != n || t.I64 != nil {
			return fmt.Errorf("tensor %q: F32 with shape %v needs %d values in F32 (and none in I64), has %d (and %d)",
				t.Name, t.Shape, n, len(t.F32), len(t.I64))
		}
	case I64:
		if len(t.I64) != n || t.F32 != nil {
			return fmt.Errorf("tensor %q: I64 with shape %v needs %d values in I64 (and none in F32), has %d (and %d)",
				t.Name, t.Shape, n, len(t.I64), len(t.F32))
		}
	default:
		return fmt.Errorf("tensor %q: dtype %q is not %s or %s", t.Name, t.DType, F32, I64)
	}
	return nil
}

// ReadFile reads a safetensors file of F32 and I64 tensors. The
// tensors come back in file order (by data offset), with the metadata (nil
// when the file has none). Everything is checked before it is trusted: the
// header length against the file size, that the offsets tile the data buffer
// exactly, and that each tensor's byte length is its shape's element count
// times its dtype's size. Errors name the file and, where one is at fault,
// the tensor.
func ReadFile(path string) ([]Tensor, map[string]string, error) {
	raw, size, err := readPrefix(path)
	if err != nil {
		return nil, nil, fmt.Errorf("safetensors: %w", err)
	}
	ts, meta, err := parse(raw, size)
	if err != nil {
		return nil, nil, fmt.Errorf("safetensors: %s: %w", path, err)
	}
	return ts, meta, nil
}

// readPrefix reads a regular file (a device such as /dev/zero or
// a FIFO is refused before it is opened) of size bytes, but no more of it
// than its header describes, plus one byte to tell trailing garbage: the
// header alone when it is not valid, the 8-byte length alone when that
// does not fit. So a huge (say sparse) file is refused by parse
// without being read whole.
func readPrefix(path string) (raw []byte, size int64, err error) {
	f, size, err := fsutil.OpenRegular(path)
	if pe := (*fs.PathError)(nil); err != nil && !errors.As(err, &pe) {
		err = fmt.Errorf("%s: %w", path, err) // "not a regular file (a device)" names no path
	}
	if err != nil {
		return nil, 0, err
	}
	defer f.Close()
	limit := size
	var head [8]byte
	if _, err := io.ReadFull(f, head[:]); err == nil {
		limit = 8
		if n := binary.LittleEndian.Uint64(head[:]); n <= maxHeaderSize && n <= uint64(size-8) {
			limit = 8 + int64(n)
			header := make([]byte, n)
			if _, err := io.ReadFull(f, header); err == nil {
				if end, ok := dataEnd(header); ok {
					limit = min(size, limit+end+1)
				}
			}
		}
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, 0, err
	}
	raw = make([]byte, limit)
	k, err := io.ReadFull(f, raw)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
		return nil, 0, err
	}
	return raw[:k], size, nil
}

// dataEnd is the end of the data buffer a header describes: the largest
// end offset of its tensors (ok is false when the header is not valid
// JSON; parse then says what is wrong).
func dataEnd(header []byte) (end int64, ok bool) {
	var entries map[string]json.RawMessage
	if json.Unmarshal(header, &entries) != nil {
		return 0, false
	}
	for name, msg := range entries {
		var e headerEntry
		if name == metadataKey || json.Unmarshal(msg, &e) != nil {
			continue
		}
		end = max(end, e.DataOffsets[1])
	}
	return end, true
}

// parse decodes a safetensors file of size bytes from raw, all of it or
// the prefix readPrefix read.
func parse(raw []byte, size int64) ([]Tensor, map[string]string, error) {
	if size < 8 || len(raw) < 8 {
		return nil, nil, fmt.Errorf("file is %d bytes, too short for the 8-byte header length (truncated or not safetensors)", size)
	}
	n := binary.LittleEndian.Uint64(raw[:8])
	if n > maxHeaderSize || n > uint64(size-8) || n > uint64(len(raw)-8) {
		return nil, nil, fmt.Errorf("header length %d does not fit in the file's %d bytes (truncated or not safetensors)", n, size)
	}
	header, data := raw[8:8+n], raw[8+n:]
	var entries map[string]json.RawMessage
	if err := json.Unmarshal(header, &entries); err != nil {
		return nil, nil, fmt.Errorf("header is not a JSON object: %w", err)
	}
	var meta map[string]string
	if m, ok := entries[metadataKey]; ok {
		if err := json.Unmarshal(m, &meta); err != nil {
			return nil, nil, fmt.Errorf("%s is not an object of strings: %w", metadataKey, err)
		}
		delete(entries, metadataKey)
	}
	ts := make([]Tensor, 0, len(entries))
	offs := make([][2]int64, 0, len(entries))
	for name, msg := range entries {
		var e headerEntry
		if err := json.Unmarshal(msg, &e); err != nil {
			return nil, nil, fmt.Errorf("tensor %q: bad header entry: %w", name, err)
		}
		if err := checkEntry(name, e); err != nil {
			return nil, nil, err
		}
		ts = append(ts, Tensor{Name: name, DType: e.DType, Shape: e.Shape})
		offs = append(offs, e.DataOffsets)
	}
	idx := make([]int, len(ts))
	for i := range idx {
		idx[i] = i
	}
	sort.Slice(idx, func(a, b int) bool {
		oa, ob := offs[idx[a]], offs[idx[b]]
		if oa[0] != ob[0] {
			return oa[0] < ob[0]
		}
		if oa[1] != ob[1] { // empty tensors sit before a non-empty one at the same offset
			return oa[1] < ob[1]
		}
		return ts[idx[a]].Name < ts[idx[b]].Name
	})
	out := make([]Tensor, len(ts))
	var next int64
	for k, i := range idx {
		t, o := ts[i], offs[i]
		if o[0] != next {
			return nil, nil, fmt.Errorf("tensor %q: data_offsets [%d, %d] leave a gap or overlap (expected to start at %d)", t.Name, o[0], o[1], next)
		}
		if o[1] > int64(len(data)) {
			return nil, nil, fmt.Errorf("tensor %q: data_offsets [%d, %d] run past the %d-byte data buffer (truncated file?)", t.Name, o[0], o[1], len(data))
		}
		decodeTensor(&t, data[o[0]:o[1]])
		out[k] = t
		next = o[1]
	}
	if next != int64(len(data)) {
		return nil, nil, fmt.Errorf("tensors cover %d bytes of the %d-byte data buffer (trailing garbage?)", next, size-8-int64(n))
	}
	return out, meta, nil
}

// checkEntry checks one header entry on its own: dtype, shape, and that the
// byte length its offsets give matches its shape.
func checkEntry(name string, e headerEntry) error {
	size := dtypeSize(e.DType)
	if size == 0 {
		return fmt.Errorf("tensor %q: dtype %q is not supported (only %s and %s)", name, e.DType, F32, I64)
	}
	if e.Shape == nil {
		return fmt.Errorf("tensor %q: missing shape", name)
	}
	begin, end := e.DataOffsets[0], e.DataOffsets[1]
	if begin < 0 || end < begin {
		return fmt.Errorf("tensor %q: data_offsets [%d, %d] are not an interval", name, begin, end)
	}
	// Multiply with an overflow check: a corrupt shape must not wrap around
	// to a product that happens to match the offsets.
	count := int64(1)
	for _, d := range e.Shape {
		if d < 0 {
			return fmt.Errorf("tensor %q: negative dimension in shape %v", name, e.Shape)
		}
		if d != 0 && count > (math.MaxInt64/size)/int64(d) {
			return fmt.Errorf("tensor %q: shape %v is too large", name, e.Shape)
		}
		count *= int64(d)
	}
	if count*size != end-begin {
		return fmt.Errorf("tensor %q: shape %v of %s needs %d bytes, data_offsets [%d, %d] give %d",
			name, e.Shape, e.DType, count*size, begin, end, end-begin)
	}
	return nil
}

// decodeTensor fills t's values from its little-endian bytes, whose length
// checkEntry has already matched to the shape.
func decodeTensor(t *Tensor, b []byte) {
	switch t.DType {
	case F32:
		t.F32 = make([]float32, len(b)/4)
		for i := range t.F32 {
			t.F32[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
		}
	case I64:
		t.I64 = make([]int64, len(b)/8)
		for i := range t.I64 {
			t.I64[i] = int64(binary.LittleEndian.Uint64(b[8*i:]))
		}
	}
}

// dtypeSize is the byte size of one element of a supported dtype, else 0.
func dtypeSize(dtype DType) int64 {
	switch dtype {
	case F32:
		return 4
	case I64:
		return 8
	}
	return 0
}

// jsonString quotes s as a JSON string.
func jsonString(s string) string {
	b, _ := json.Marshal(s) // cannot fail for a string
	return string(b)
}
