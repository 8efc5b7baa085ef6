package trainer

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

// The safetensors format (https://github.com/huggingface/safetensors):
//
//	bytes 0..8   N, the header length, uint64 little-endian
//	bytes 8..8+N a JSON object: for each tensor
//	             name: {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}
//	             and optionally "__metadata__": {string: string};
//	             padded with spaces so that 8+N is a multiple of 8
//	then         the data buffer; offsets are relative to its start, the
//	             tensors tile it exactly (no gaps, no overlap), each one
//	             row-major (C order) and little-endian.
//
// Only the two dtypes glcnn needs are supported: F32 for weights and I64 for
// PyTorch's BatchNorm num_batches_tracked, a scalar of shape [] that a strict
// load_state_dict insists on.

// Safetensors dtype names.
const (
	DTypeF32 = "F32"
	DTypeI64 = "I64"
)

// maxSafetensorsHeader bounds the JSON header, as the reference implementation
// does (100 MB), so a corrupt length cannot make the reader allocate gigabytes.
const maxSafetensorsHeader = 100 << 20

// metadataKey is the reserved header key holding the string-to-string metadata.
const metadataKey = "__metadata__"

// STensor is one named tensor of a safetensors file. DType is DTypeF32 or
// DTypeI64 and says which of F32 or I64 holds the values, row-major; the other
// is nil. Shape [] is a scalar (one value).
type STensor struct {
	Name  string
	DType string
	Shape []int
	F32   []float32
	I64   []int64
}

// NumElements returns the product of the tensor's shape (1 for a scalar).
func (t *STensor) NumElements() int {
	n := 1
	for _, d := range t.Shape {
		n *= d
	}
	return n
}

// stHeaderEntry is one tensor's entry of the JSON header.
type stHeaderEntry struct {
	DType       string   `json:"dtype"`
	Shape       []int    `json:"shape"`
	DataOffsets [2]int64 `json:"data_offsets"`
}

// WriteSafetensors writes ts, in the order given, and meta (may be nil) to
// path in the safetensors format. The file is replaced atomically (see
// writeAtomic): a crash leaves the old file or the new one, never a partial
// one. An invalid tensor (empty or duplicate name, unknown dtype, negative
// dimension, value count not matching the shape) is reported as an error
// naming it rather than a panic, so a checkpoint writer in a training loop
// fails without losing the run.
func WriteSafetensors(path string, ts []STensor, meta map[string]string) error {
	header, err := safetensorsHeader(ts, meta)
	if err != nil {
		return fmt.Errorf("trainer: safetensors %s: %w", path, err)
	}
	return writeAtomic(path, func(w io.Writer) error {
		var n [8]byte
		binary.LittleEndian.PutUint64(n[:], uint64(len(header)))
		if _, err := w.Write(n[:]); err != nil {
			return err
		}
		if _, err := w.Write(header); err != nil {
			return err
		}
		var buf [8]byte
		for i := range ts {
			t := &ts[i]
			switch t.DType {
			case DTypeF32:
				for _, v := range t.F32 {
					binary.LittleEndian.PutUint32(buf[:4], math.Float32bits(v))
					if _, err := w.Write(buf[:4]); err != nil {
						return err
					}
				}
			case DTypeI64:
				for _, v := range t.I64 {
					binary.LittleEndian.PutUint64(buf[:], uint64(v))
					if _, err := w.Write(buf[:]); err != nil {
						return err
					}
				}
			}
		}
		return nil
	})
}

// safetensorsHeader validates ts and returns the padded JSON header. It is
// written by hand rather than with json.Marshal of a map so the tensors appear
// in the order given (Go would sort the keys) and the metadata comes first.
func safetensorsHeader(ts []STensor, meta map[string]string) ([]byte, error) {
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
		if err := checkSTensor(t, seen); err != nil {
			return nil, err
		}
		size := int64(t.NumElements()) * dtypeSize(t.DType)
		e := stHeaderEntry{DType: t.DType, Shape: t.Shape, DataOffsets: [2]int64{offset, offset + size}}
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

// checkSTensor reports what is wrong with t, if anything; seen collects names.
func checkSTensor(t *STensor, seen map[string]bool) error {
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
	case DTypeF32:
		if len(t.F32) != n || t.I64 != nil {
			return fmt.Errorf("tensor %q: F32 with shape %v needs %d values in F32 (and none in I64), has %d (and %d)",
				t.Name, t.Shape, n, len(t.F32), len(t.I64))
		}
	case DTypeI64:
		if len(t.I64) != n || t.F32 != nil {
			return fmt.Errorf("tensor %q: I64 with shape %v needs %d values in I64 (and none in F32), has %d (and %d)",
				t.Name, t.Shape, n, len(t.I64), len(t.F32))
		}
	default:
		return fmt.Errorf("tensor %q: dtype %q is not %s or %s", t.Name, t.DType, DTypeF32, DTypeI64)
	}
	return nil
}

// ReadSafetensors reads a safetensors file of F32 and I64 tensors. The
// tensors come back in file order (by data offset), with the metadata (nil
// when the file has none). Everything is checked before it is trusted: the
// header length against the file size, that the offsets tile the data buffer
// exactly, and that each tensor's byte length is its shape's element count
// times its dtype's size. Errors name the file and, where one is at fault,
// the tensor.
func ReadSafetensors(path string) ([]STensor, map[string]string, error) {
	raw, size, err := readSafetensorsFile(path)
	if err != nil {
		return nil, nil, fmt.Errorf("trainer: safetensors: %w", err)
	}
	ts, meta, err := parseSafetensors(raw, size)
	if err != nil {
		return nil, nil, fmt.Errorf("trainer: safetensors %s: %w", path, err)
	}
	return ts, meta, nil
}

// readSafetensorsFile reads a regular file (a device such as /dev/zero or
// a FIFO is refused before it is opened) of size bytes, but no more of it
// than its header describes, plus one byte to tell trailing garbage: the
// header alone when it is not valid, the 8-byte length alone when that
// does not fit. So a huge (say sparse) file is refused by parseSafetensors
// without being read whole.
func readSafetensorsFile(path string) (raw []byte, size int64, err error) {
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
		if n := binary.LittleEndian.Uint64(head[:]); n <= maxSafetensorsHeader && n <= uint64(size-8) {
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
// JSON; parseSafetensors then says what is wrong).
func dataEnd(header []byte) (end int64, ok bool) {
	var entries map[string]json.RawMessage
	if json.Unmarshal(header, &entries) != nil {
		return 0, false
	}
	for name, msg := range entries {
		var e stHeaderEntry
		if name == metadataKey || json.Unmarshal(msg, &e) != nil {
			continue
		}
		end = max(end, e.DataOffsets[1])
	}
	return end, true
}

// parseSafetensors decodes a safetensors file of size bytes from raw, all
// of it or the prefix readSafetensorsFile read.
func parseSafetensors(raw []byte, size int64) ([]STensor, map[string]string, error) {
	if size < 8 || len(raw) < 8 {
		return nil, nil, fmt.Errorf("file is %d bytes, too short for the 8-byte header length (truncated or not safetensors)", size)
	}
	n := binary.LittleEndian.Uint64(raw[:8])
	if n > maxSafetensorsHeader || n > uint64(size-8) || n > uint64(len(raw)-8) {
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
	ts := make([]STensor, 0, len(entries))
	offs := make([][2]int64, 0, len(entries))
	for name, msg := range entries {
		var e stHeaderEntry
		if err := json.Unmarshal(msg, &e); err != nil {
			return nil, nil, fmt.Errorf("tensor %q: bad header entry: %w", name, err)
		}
		if err := checkEntry(name, e); err != nil {
			return nil, nil, err
		}
		ts = append(ts, STensor{Name: name, DType: e.DType, Shape: e.Shape})
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
	out := make([]STensor, len(ts))
	var next int64
	for k, i := range idx {
		t, o := ts[i], offs[i]
		if o[0] != next {
			return nil, nil, fmt.Errorf("tensor %q: data_offsets [%d, %d] leave a gap or overlap (expected to start at %d)", t.Name, o[0], o[1], next)
		}
		if o[1] > int64(len(data)) {
			return nil, nil, fmt.Errorf("tensor %q: data_offsets [%d, %d] run past the %d-byte data buffer (truncated file?)", t.Name, o[0], o[1], len(data))
		}
		decodeSTensor(&t, data[o[0]:o[1]])
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
func checkEntry(name string, e stHeaderEntry) error {
	size := dtypeSize(e.DType)
	if size == 0 {
		return fmt.Errorf("tensor %q: dtype %q is not supported (only %s and %s)", name, e.DType, DTypeF32, DTypeI64)
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

// decodeSTensor fills t's values from its little-endian bytes, whose length
// checkEntry has already matched to the shape.
func decodeSTensor(t *STensor, b []byte) {
	switch t.DType {
	case DTypeF32:
		t.F32 = make([]float32, len(b)/4)
		for i := range t.F32 {
			t.F32[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
		}
	case DTypeI64:
		t.I64 = make([]int64, len(b)/8)
		for i := range t.I64 {
			t.I64[i] = int64(binary.LittleEndian.Uint64(b[8*i:]))
		}
	}
}

// dtypeSize is the byte size of one element of a supported dtype, else 0.
func dtypeSize(dtype string) int64 {
	switch dtype {
	case DTypeF32:
		return 4
	case DTypeI64:
		return 8
	}
	return 0
}

// jsonString quotes s as a JSON string.
func jsonString(s string) string {
	b, _ := json.Marshal(s) // cannot fail for a string
	return string(b)
}
