package safetensors

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// sampleTensors covers both dtypes, a scalar, an empty tensor, and float
// values whose bits must survive (negative zero, NaN, infinities, subnormal).
func sampleTensors() []Tensor {
	return []Tensor{
		{Name: "0.weight", DType: F32, Shape: []int{2, 1, 3, 3}, F32: []float32{
			1, -2, 3.5, 0.1, float32(math.Copysign(0, -1)), 1e-40, float32(math.Inf(1)), float32(math.Inf(-1)), 7,
			-0.25, 1e30, 2, 3, 4, 5, 6, 7, 8}},
		{Name: "0.bias", DType: F32, Shape: []int{2}, F32: []float32{0.5, float32(math.NaN())}},
		{Name: "1.num_batches_tracked", DType: I64, Shape: []int{}, I64: []int64{54000}},
		{Name: "empty", DType: F32, Shape: []int{0, 3}},
		{Name: "z.counts", DType: I64, Shape: []int{3}, I64: []int64{-1, math.MaxInt64, math.MinInt64}},
		{Name: "a \"quoted\" name", DType: F32, Shape: []int{1}, F32: []float32{42}},
	}
}

// sameTensors compares two tensor lists bit for bit (NaN equals NaN).
func sameTensors(t *testing.T, got, want []Tensor) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d tensors, want %d", len(got), len(want))
	}
	for i := range want {
		g, w := got[i], want[i]
		if g.Name != w.Name || g.DType != w.DType || !reflect.DeepEqual(append([]int{}, g.Shape...), append([]int{}, w.Shape...)) {
			t.Fatalf("tensor %d: got %q %s %v, want %q %s %v", i, g.Name, g.DType, g.Shape, w.Name, w.DType, w.Shape)
		}
		if len(g.F32) != len(w.F32) || len(g.I64) != len(w.I64) {
			t.Fatalf("tensor %q: got %d/%d values, want %d/%d", w.Name, len(g.F32), len(g.I64), len(w.F32), len(w.I64))
		}
		for j := range w.F32 {
			if math.Float32bits(g.F32[j]) != math.Float32bits(w.F32[j]) {
				t.Errorf("tensor %q [%d]: got %v, want %v", w.Name, j, g.F32[j], w.F32[j])
			}
		}
		for j := range w.I64 {
			if g.I64[j] != w.I64[j] {
				t.Errorf("tensor %q [%d]: got %v, want %v", w.Name, j, g.I64[j], w.I64[j])
			}
		}
	}
}

func TestRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "model.safetensors")
	ts := sampleTensors()
	meta := map[string]string{"arch": "conv:2:3,bn", "input": "1,28,28", "note": "<&>"}
	if err := WriteFile(path, ts, meta); err != nil {
		t.Fatal(err)
	}
	got, gotMeta, err := ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	sameTensors(t, got, ts)
	if !reflect.DeepEqual(gotMeta, meta) {
		t.Errorf("metadata: got %v, want %v", gotMeta, meta)
	}

	// The layout itself: header length, padding, order, offsets.
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	n := binary.LittleEndian.Uint64(raw)
	if n%8 != 0 {
		t.Errorf("header length %d is not a multiple of 8", n)
	}
	header := string(raw[8 : 8+n])
	if strings.TrimRight(header, " ") != strings.TrimSpace(header) || !strings.HasPrefix(header, `{"__metadata__":`) {
		t.Errorf("header should start with the metadata and be padded with trailing spaces: %q", header)
	}
	var prev = -1
	for _, tn := range ts {
		at := strings.Index(header, jsonString(tn.Name)+":")
		if at <= prev {
			t.Errorf("tensor %q is not in the order given in the header %s", tn.Name, header)
		}
		prev = at
	}
	if !strings.Contains(header, `"1.num_batches_tracked":{"dtype":"I64","shape":[],"data_offsets":[80,88]}`) {
		t.Errorf("scalar entry not as expected in %s", header)
	}
	// First tensor's first value, little-endian float32 1.0 right after the header.
	if !bytes.Equal(raw[8+n:8+n+4], []byte{0, 0, 0x80, 0x3f}) {
		t.Errorf("data does not start with little-endian 1.0: % x", raw[8+n:8+n+4])
	}
	if want := 8 + int(n) + 18*4 + 2*4 + 8 + 0 + 3*8 + 4; len(raw) != want {
		t.Errorf("file is %d bytes, want %d", len(raw), want)
	}
}

func TestNoMetadata(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m.safetensors")
	ts := []Tensor{{Name: "w", DType: F32, Shape: []int{1}, F32: []float32{1}}}
	if err := WriteFile(path, ts, nil); err != nil {
		t.Fatal(err)
	}
	got, meta, err := ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	sameTensors(t, got, ts)
	if meta != nil {
		t.Errorf("metadata: got %v, want nil", meta)
	}
}

func TestWriteRefusesBadTensors(t *testing.T) {
	f := func(n int) []float32 { return make([]float32, n) }
	tests := []struct {
		name string
		ts   []Tensor
		want string
	}{
		{"empty name", []Tensor{{DType: F32, Shape: []int{1}, F32: f(1)}}, "empty name"},
		{"reserved", []Tensor{{Name: "__metadata__", DType: F32, Shape: []int{1}, F32: f(1)}}, "reserved"},
		{"duplicate", []Tensor{{Name: "a", DType: F32, Shape: []int{1}, F32: f(1)}, {Name: "a", DType: F32, Shape: []int{1}, F32: f(1)}}, `"a" appears twice`},
		{"count", []Tensor{{Name: "w", DType: F32, Shape: []int{2, 3}, F32: f(5)}}, `"w": F32 with shape [2 3] needs 6`},
		{"both", []Tensor{{Name: "w", DType: I64, Shape: []int{1}, I64: []int64{1}, F32: f(1)}}, `"w": I64`},
		{"dtype", []Tensor{{Name: "w", DType: "F16", Shape: []int{1}, F32: f(1)}}, `dtype "F16"`},
		{"negative", []Tensor{{Name: "w", DType: F32, Shape: []int{-1, -1}, F32: f(1)}}, "negative dimension"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "bad.safetensors")
			err := WriteFile(path, tc.ts, nil)
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), path) {
				t.Fatalf("got error %v, want one naming %s and containing %q", err, path, tc.want)
			}
			if entries, _ := os.ReadDir(dir); len(entries) != 0 {
				t.Errorf("a refused write left files behind: %v", entries)
			}
		})
	}
}

// TestWriteKeepsOldFile checks atomicity from the outside: a write
// that fails leaves the previous file intact and no temporary file.
func TestWriteKeepsOldFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "model.safetensors")
	ts := sampleTensors()
	if err := WriteFile(path, ts, nil); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(path)
	bad := append(sampleTensors(), Tensor{Name: "bad", DType: F32, Shape: []int{4}})
	if err := WriteFile(path, bad, nil); err == nil {
		t.Fatal("a bad tensor was written")
	}
	after, _ := os.ReadFile(path)
	if !bytes.Equal(before, after) {
		t.Error("a failed write changed the existing file")
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("want only model.safetensors in %s, have %v", dir, entries)
	}
}

// makeFile builds a file by hand from a header object and data bytes,
// padding the header as the format requires.
func makeFile(t *testing.T, header map[string]any, data []byte) []byte {
	t.Helper()
	h, err := json.Marshal(header)
	if err != nil {
		t.Fatal(err)
	}
	for len(h)%8 != 0 {
		h = append(h, ' ')
	}
	out := binary.LittleEndian.AppendUint64(nil, uint64(len(h)))
	return append(append(out, h...), data...)
}

func TestReadRefusesCorruptFiles(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.safetensors")
	if err := WriteFile(good, sampleTensors(), map[string]string{"arch": "fc:10"}); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	entry := func(dtype string, shape []int, b, e int) map[string]any {
		return map[string]any{"dtype": dtype, "shape": shape, "data_offsets": []int{b, e}}
	}
	hugeLen := binary.LittleEndian.AppendUint64(nil, 1<<40)
	tests := []struct {
		name string
		file []byte
		want string
	}{
		{"empty file", nil, "too short"},
		{"truncated length", raw[:5], "too short"},
		{"truncated header", raw[:40], "does not fit"},
		{"huge header length", append(hugeLen, raw[8:]...), "does not fit"},
		{"truncated data", raw[:len(raw)-3], `"a \"quoted\" name"`},
		{"trailing bytes", append(append([]byte{}, raw...), 0, 0, 0, 0), "trailing"},
		{"not json", append(binary.LittleEndian.AppendUint64(nil, 8), []byte("not json")...), "not a JSON object"},
		{"bad metadata", makeFile(t, map[string]any{"__metadata__": map[string]any{"n": 3}}, nil), "__metadata__"},
		{"dtype", makeFile(t, map[string]any{"w": entry("F16", []int{2}, 0, 4)}, make([]byte, 4)), `"w": dtype "F16"`},
		{"shape mismatch", makeFile(t, map[string]any{"w": entry("F32", []int{3}, 0, 8)}, make([]byte, 8)), `"w": shape [3] of F32 needs 12 bytes`},
		{"no shape", makeFile(t, map[string]any{"w": map[string]any{"dtype": "F32", "data_offsets": []int{0, 4}}}, make([]byte, 4)), `"w": missing shape`},
		{"negative dim", makeFile(t, map[string]any{"w": entry("F32", []int{-1, -4}, 0, 16)}, make([]byte, 16)), `"w": negative`},
		{"overflowing shape", makeFile(t, map[string]any{"w": entry("F32", []int{1 << 31, 1 << 31, 1 << 31}, 0, 0)}, nil), `"w": shape`},
		{"reversed offsets", makeFile(t, map[string]any{"w": entry("F32", []int{1}, 4, 0)}, make([]byte, 4)), `"w": data_offsets [4, 0]`},
		{"gap", makeFile(t, map[string]any{"a": entry("F32", []int{1}, 0, 4), "b": entry("F32", []int{1}, 8, 12)}, make([]byte, 12)), `"b": data_offsets [8, 12] leave a gap`},
		{"overlap", makeFile(t, map[string]any{"a": entry("F32", []int{2}, 0, 8), "b": entry("F32", []int{1}, 4, 8)}, make([]byte, 8)), "overlap"},
		{"past the end", makeFile(t, map[string]any{"a": entry("I64", []int{2}, 0, 16)}, make([]byte, 8)), `"a": data_offsets [0, 16] run past`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "_")+".safetensors")
			if err := os.WriteFile(path, tc.file, 0o644); err != nil {
				t.Fatal(err)
			}
			_, _, err := ReadFile(path)
			if err == nil {
				t.Fatal("corrupt file was accepted")
			}
			if !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q should name %s and contain %q", err, path, tc.want)
			}
		})
	}
	if _, _, err := ReadFile(filepath.Join(dir, "missing.safetensors")); err == nil || !strings.Contains(err.Error(), "missing.safetensors") {
		t.Errorf("missing file: got %v", err)
	}
}

// TestReadOrder checks tensors come back in data order, whatever
// order the JSON object lists them in.
func TestReadOrder(t *testing.T) {
	entry := func(b, e int) map[string]any {
		return map[string]any{"dtype": "F32", "shape": []int{(e - b) / 4}, "data_offsets": []int{b, e}}
	}
	data := make([]byte, 12)
	binary.LittleEndian.PutUint32(data[0:], math.Float32bits(1))
	binary.LittleEndian.PutUint32(data[4:], math.Float32bits(2))
	binary.LittleEndian.PutUint32(data[8:], math.Float32bits(3))
	// json.Marshal sorts keys: "a" < "b" < "c" but their data is c, a, b.
	file := makeFile(t, map[string]any{"a": entry(4, 8), "b": entry(8, 12), "c": entry(0, 4)}, data)
	path := filepath.Join(t.TempDir(), "order.safetensors")
	if err := os.WriteFile(path, file, 0o644); err != nil {
		t.Fatal(err)
	}
	got, _, err := ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	sameTensors(t, got, []Tensor{
		{Name: "c", DType: F32, Shape: []int{1}, F32: []float32{1}},
		{Name: "a", DType: F32, Shape: []int{1}, F32: []float32{2}},
		{Name: "b", DType: F32, Shape: []int{1}, F32: []float32{3}},
	})
}
