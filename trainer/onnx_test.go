package trainer

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestCheckSafetensorsONNX exports the random net of
// TestCheckSafetensorsScript to ONNX through scripts/check_safetensors.py
// --onnx (torch.onnx.export) and checks what the script checked: with the
// onnx Python module, the checker passed, the graph read back from the file
// gave PyTorch's logits and the float64 reference's predictions on all 100
// images; without it, only that the file was written (the test then says so
// and skips the rest). Skipped without PyTorch, as the other script tests.
func TestCheckSafetensorsONNX(t *testing.T) {
	c := sharedScriptFixture(t)
	dir, model, images, subm, ts := c.dir, c.model, c.images, c.subm, c.ts
	last := fmt.Sprintf("%d.weight", len(c.spec)-1) // the final fc
	out := filepath.Join(dir, "model.onnx")
	text, code := runCheckScript(t, model, "--images", images, "--predictions", subm, "--onnx", out)
	if code != 0 || !strings.Contains(text, "onnx: wrote "+out) {
		t.Fatalf("exit %d, want 0 and the ONNX file written", code)
	}
	b, err := os.ReadFile(out)
	if err != nil || len(b) == 0 {
		t.Fatalf("ONNX file: %d bytes, %v", len(b), err)
	}
	// An ONNX file is a protobuf ModelProto: field 1, ir_version, comes
	// first as a varint (tag byte 0x08); the parameter names survive where
	// the exporter did not fold a batch norm into them (the last fc's).
	if b[0] != 0x08 || !bytes.Contains(b, []byte(last)) {
		t.Errorf("not an ONNX ModelProto with the state_dict's names: starts % x", b[:min(8, len(b))])
	}

	if err := exec.Command(systemPython, "-c", "import onnx").Run(); err != nil {
		if !strings.Contains(text, "not checked") {
			t.Errorf("without the onnx module the script must say the file was not checked")
		}
		t.Skipf("no onnx module on %s (Debian: python3-onnx): the file was written, not checked", systemPython)
	}
	for _, want := range []string{
		"passes onnx.checker",
		"Sub", "Div", // the normalisation (scriptMean, scriptStd) is in the graph
		"logits within 1e-4 relative of PyTorch's",
		"onnx: graph predictions: 100/100 agree",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	// The metadata the script adds is in the file as saved.
	if !bytes.Contains(b, []byte("glcnn_arch")) || !bytes.Contains(b, []byte(c.spec.String())) {
		t.Error("the arch is not in the ONNX file's metadata_props")
	}

	t.Run("no csv", func(t *testing.T) {
		// The graph is compared with PyTorch on random inputs only.
		text, code := runCheckScript(t, model, "--onnx", filepath.Join(dir, "plain.onnx"))
		if code != 0 || strings.Contains(text, "graph predictions") || !strings.Contains(text, "logits within") {
			t.Errorf("exit %d, want 0 and the logits compared, no predictions", code)
		}
	})
	t.Run("tampered file", func(t *testing.T) {
		// One weight of the last fc (nothing is folded into it) changed in
		// the file: --check-onnx must see the graph's logits differ.
		var w []float32
		for _, tn := range ts {
			if tn.Name == last {
				w = tn.F32
			}
		}
		var pat bytes.Buffer
		binary.Write(&pat, binary.LittleEndian, w[:4])
		at := bytes.Index(b, pat.Bytes())
		if at < 0 || bytes.Index(b[at+1:], pat.Bytes()) >= 0 {
			t.Fatalf("%s found at %d in the ONNX file, want once", last, at)
		}
		tampered := bytes.Clone(b)
		binary.LittleEndian.PutUint32(tampered[at:], math.Float32bits(w[0]+1))
		path := filepath.Join(dir, "tampered.onnx")
		if err := os.WriteFile(path, tampered, 0o644); err != nil {
			t.Fatal(err)
		}
		text, code := runCheckScript(t, model, "--check-onnx", path)
		if code != 1 || !strings.Contains(text, "logits differ") {
			t.Errorf("exit %d, want 1 and the logits reported", code)
		}
		if text, code := runCheckScript(t, model, "--check-onnx", out); code != 0 || !strings.Contains(text, "logits within") {
			t.Errorf("the untouched file: exit %d, want 0", code)
		}
	})
}
