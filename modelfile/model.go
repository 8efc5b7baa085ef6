package modelfile

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/glcnn/glcnn/safetensors"
)

// Format is the metadata "format" of every file this package writes; a
// file without it is not glcnn's.
const Format = "glcnn"

// Meta is what a model or checkpoint file says about its network, and
// which glcnn wrote it: the file's safetensors metadata, decoded.
type Meta struct {
	Arch    string   // the network's arch spec ("conv:16:3,bn,relu,...")
	Input   []int    // per-sample input shape (C, H, W)
	Classes []string // the class names, by label
	// Mean and Std normalise the input, after scaling it to [0, 1]:
	// (x - Mean) / Std. Std is positive.
	Mean, Std float64
	// Modules is the network as a JSON list of PyTorch modules
	// (trainer.ModulesJSON), from which scripts/check_safetensors.py
	// builds the nn.Sequential; "" when the file has none.
	Modules string
	// The glcnn build that wrote the file (trainer.Build): its version,
	// the Go that built it and, when recorded, its VCS revision.
	GlcnnVersion, GlcnnGo, GlcnnRevision string
}

// encode is m as safetensors metadata.
func (m Meta) encode() map[string]string {
	in := make([]string, len(m.Input))
	for i, v := range m.Input {
		in[i] = strconv.Itoa(v)
	}
	meta := map[string]string{
		"format":  Format,
		"arch":    m.Arch,
		"input":   strings.Join(in, ","),
		"classes": strings.Join(m.Classes, "|"),
		"mean":    strconv.FormatFloat(m.Mean, 'g', -1, 64),
		"std":     strconv.FormatFloat(m.Std, 'g', -1, 64),

		"glcnn_version": m.GlcnnVersion,
		"glcnn_go":      m.GlcnnGo,
	}
	if m.GlcnnRevision != "" {
		meta["glcnn_revision"] = m.GlcnnRevision
	}
	if m.Modules != "" {
		meta["modules"] = m.Modules
	}
	return meta
}

// decodeMeta reads the metadata glcnn writes, refusing a file that is not
// glcnn's, an input that is not a shape, and a normalisation that is
// missing or not finite (it would make every prediction garbage: NaN
// logits argmax to class 0).
func decodeMeta(meta map[string]string) (Meta, error) {
	if meta["format"] != Format {
		return Meta{}, errors.New("not a glcnn model (a safetensors file without glcnn's metadata)")
	}
	m := Meta{Arch: meta["arch"], Modules: meta["modules"],
		GlcnnVersion: meta["glcnn_version"], GlcnnGo: meta["glcnn_go"], GlcnnRevision: meta["glcnn_revision"]}
	for _, f := range strings.Split(meta["input"], ",") {
		v, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || v < 1 {
			return Meta{}, fmt.Errorf("metadata input %q is not a shape", meta["input"])
		}
		m.Input = append(m.Input, v)
	}
	if c := meta["classes"]; c != "" {
		m.Classes = strings.Split(c, "|")
	}
	var err error
	if m.Mean, err = strconv.ParseFloat(meta["mean"], 64); err != nil || math.IsNaN(m.Mean) || math.IsInf(m.Mean, 0) {
		return Meta{}, fmt.Errorf("metadata mean %q is not a finite number", meta["mean"])
	}
	if m.Std, err = strconv.ParseFloat(meta["std"], 64); err != nil || !(m.Std > 0) || math.IsInf(m.Std, 0) {
		return Meta{}, fmt.Errorf("metadata std %q is not a positive finite number", meta["std"])
	}
	return m, nil
}

// Write writes a model file: the state dict ts, in the order given, and
// meta. It refuses, writing nothing, when a value is not finite; the file
// is replaced atomically.
func Write(path string, meta Meta, ts []safetensors.Tensor) error {
	if err := allFinite(ts); err != nil {
		return fmt.Errorf("modelfile: %s not written: %w", path, err)
	}
	return safetensors.WriteFile(path, ts, meta.encode())
}

// Read reads a model file: its metadata and its tensors, in file order.
// It refuses a file that is not a valid safetensors file, not glcnn's,
// whose input is not a shape, whose normalisation is missing or not
// finite, or that holds a value that is not finite. It does not check the
// arch or that the tensors fit it (trainer.ReadModel does). Errors name
// the file.
func Read(path string) (Meta, []safetensors.Tensor, error) {
	meta, ts, _, err := read(path)
	return meta, ts, err
}

// read is Read, also returning the raw metadata.
func read(path string) (Meta, []safetensors.Tensor, map[string]string, error) {
	ts, raw, err := safetensors.ReadFile(path)
	if err != nil {
		return Meta{}, nil, nil, err
	}
	meta, err := decodeMeta(raw)
	if err == nil {
		err = allFinite(ts)
	}
	if err != nil {
		return Meta{}, nil, nil, fmt.Errorf("modelfile: %s: %w", path, err)
	}
	return meta, ts, raw, nil
}

// allFinite checks tensors on the CPU: the last guard before a file is
// written, and the first after one is read.
func allFinite(ts []safetensors.Tensor) error {
	for _, t := range ts {
		bad := 0
		for _, v := range t.F32 {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				bad++
			}
		}
		if bad > 0 {
			return fmt.Errorf("%d of the %d values of %s are not finite", bad, len(t.F32), t.Name)
		}
	}
	return nil
}
