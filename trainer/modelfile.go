package trainer

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/glcnn/glcnn/data"
	"github.com/glcnn/glcnn/gpu"
)

// metadata is what a model file says about itself, and which glcnn wrote
// it (glcnn_version, and glcnn_revision when the build recorded it).
func (s *Session) metadata() map[string]string {
	b := Build()
	meta := map[string]string{
		"format":  "glcnn",
		"arch":    s.Model.Spec.String(),
		"input":   strings.Trim(strings.Join(strings.Fields(fmt.Sprint(s.Model.In)), ","), "[]"),
		"classes": strings.Join(data.ClassNames[:], "|"),
		"mean":    strconv.FormatFloat(s.Cfg.Mean, 'g', -1, 64),
		"std":     strconv.FormatFloat(s.Cfg.Std, 'g', -1, 64),

		"glcnn_version": b.Version,
		"glcnn_go":      b.Go,
	}
	if b.Revision != "" {
		meta["glcnn_revision"] = b.Revision
	}
	// The built model's shapes work out, so Modules cannot fail here.
	if mods, err := ModulesJSON(s.Model.Spec, s.Model.In); err == nil {
		meta["modules"] = mods
	}
	return meta
}

// ModulesJSON is the PyTorch nn.Sequential of spec on per-sample input in,
// as a JSON list of modules in order: [{"type": "Conv2d", "args": [1, 16,
// 3], "kwargs": {"padding": 1, "stride": 1}}, ...], each built in Python by
// getattr(torch.nn, type)(*args, **kwargs). A model file's metadata
// "modules" holds it, and scripts/check_safetensors.py builds the model
// from it.
func ModulesJSON(spec Spec, in []int) (string, error) {
	mods, err := spec.Modules(in)
	if err != nil {
		return "", err
	}
	b, err := json.Marshal(mods)
	return string(b), err
}

// SaveModel writes the weights as a PyTorch-compatible state dict. It
// refuses, writing nothing, when a value is not finite.
func (s *Session) SaveModel(path string) error {
	ts := s.Model.StateDict()
	if err := allFinite(ts); err != nil {
		return fmt.Errorf("trainer: %s not written: %w", path, err)
	}
	return WriteSafetensors(path, ts, s.metadata())
}

// ModelError is a model or checkpoint file that cannot be used: missing,
// unreadable, truncated, not written by glcnn, or holding tensors of
// another network. Its message names the file. The CLI treats it as bad
// input (exit status 2), as it does *data.InputError.
type ModelError struct {
	Path string
	Err  error
}

func (e *ModelError) Error() string { return e.Err.Error() }

// Unwrap returns the underlying error.
func (e *ModelError) Unwrap() error { return e.Err }

// modelErrorf is a *ModelError about path.
func modelErrorf(path, format string, args ...any) *ModelError {
	return &ModelError{Path: path, Err: fmt.Errorf("trainer: "+path+": "+format, args...)}
}

// SavedModel is a model.safetensors written by SaveModel, read into memory:
// what it says about its network, and its tensors.
type SavedModel struct {
	Path string
	// Config holds the architecture and the input normalisation; set
	// Config.Variants before NewSession to choose kernel variants.
	Config  Config
	In      []int // per-sample input shape (C,H,W)
	tensors []STensor
}

// ReadModel reads a model file and its metadata, and checks (without a
// device) that they describe a network glcnn can build. Every error is a
// *ModelError.
func ReadModel(path string) (*SavedModel, error) {
	ts, meta, err := ReadSafetensors(path)
	if err != nil {
		return nil, &ModelError{Path: path, Err: err}
	}
	if meta["format"] != "glcnn" {
		return nil, modelErrorf(path, "not a glcnn model (a safetensors file without glcnn's metadata)")
	}
	var in []int
	for _, f := range strings.Split(meta["input"], ",") {
		v, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || v < 1 {
			return nil, modelErrorf(path, "metadata input %q is not a shape", meta["input"])
		}
		in = append(in, v)
	}
	spec, err := ParseSpec(meta["arch"])
	if err == nil {
		_, err = spec.Shapes(in, len(data.ClassNames))
	}
	if err != nil {
		return nil, modelErrorf(path, "metadata arch %q: %v", meta["arch"], err)
	}
	cfg := Config{Arch: meta["arch"], Optimizer: "sgd"}
	// A normalisation that is missing or not finite would make every
	// prediction garbage (NaN logits argmax to class 0): refuse it.
	if cfg.Mean, err = strconv.ParseFloat(meta["mean"], 64); err != nil || math.IsNaN(cfg.Mean) || math.IsInf(cfg.Mean, 0) {
		return nil, modelErrorf(path, "metadata mean %q is not a finite number", meta["mean"])
	}
	if cfg.Std, err = strconv.ParseFloat(meta["std"], 64); err != nil || !(cfg.Std > 0) || math.IsInf(cfg.Std, 0) {
		return nil, modelErrorf(path, "metadata std %q is not a positive finite number", meta["std"])
	}
	if err := allFinite(ts); err != nil {
		return nil, modelErrorf(path, "%v", err)
	}
	return &SavedModel{Path: path, Config: cfg, In: in, tensors: ts}, nil
}

// ShapeString formats a per-sample shape as "1x28x28".
func ShapeString(shape []int) string {
	s := make([]string, len(shape))
	for i, v := range shape {
		s[i] = strconv.Itoa(v)
	}
	return strings.Join(s, "x")
}

// CheckInput returns an error naming both shapes when the images of set
// are not of the shape the model takes.
func (f *SavedModel) CheckInput(set *data.Set) error {
	return checkInput(f.Path, f.In, set)
}

func checkInput(name string, in []int, set *data.Set) error {
	got := []int{1, set.H, set.W}
	if ShapeString(got) != ShapeString(in) {
		return fmt.Errorf("trainer: %s takes %s images, not %s", name, ShapeString(in), ShapeString(got))
	}
	return nil
}

// NewSession builds the model on d for batches of up to batch rows and
// loads the file's weights into it. A file whose tensors do not fit its
// network gives a *ModelError.
func (f *SavedModel) NewSession(d *gpu.Device, batch int) (*Session, error) {
	s, err := NewSession(d, f.Config, f.In, batch)
	if err != nil {
		return nil, fmt.Errorf("trainer: %s: %w", f.Path, err)
	}
	if err := s.Model.LoadStateDict(f.tensors); err != nil {
		s.Release()
		return nil, modelErrorf(f.Path, "%v", err)
	}
	return s, nil
}

// LoadModel opens a model.safetensors for evaluation and prediction, with
// every layer's default kernel variant.
func LoadModel(d *gpu.Device, path string, batch int) (*Session, error) {
	f, err := ReadModel(path)
	if err != nil {
		return nil, err
	}
	return f.NewSession(d, batch)
}
