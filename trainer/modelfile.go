package trainer

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/glcnn/glcnn/data"
	"github.com/glcnn/glcnn/gpu"
	"github.com/glcnn/glcnn/modelfile"
	"github.com/glcnn/glcnn/safetensors"
)

// meta is what a model file says about the session's network, and which
// glcnn wrote it (glcnn_version, and glcnn_revision when the build
// recorded it).
func (s *Session) meta() modelfile.Meta {
	b := Build()
	m := modelfile.Meta{
		Arch:    s.Model.Spec.String(),
		Input:   s.Model.In,
		Classes: data.ClassNames[:],
		Mean:    s.Cfg.Mean,
		Std:     s.Cfg.Std,

		GlcnnVersion:  b.Version,
		GlcnnGo:       b.Go,
		GlcnnRevision: b.Revision,
	}
	// The built model's shapes work out, so Modules cannot fail here.
	if mods, err := ModulesJSON(s.Model.Spec, s.Model.In); err == nil {
		m.Modules = mods
	}
	return m
}

// ModulesJSON is the PyTorch nn.Sequential of spec on per-sample input in,
// as a JSON list of modules in order: [{"type": "Conv2d", "args": [1, 16,
// 3], "kwargs": {"padding": 1, "stride": 1}}, ...], each built in Python by
// getattr(torch.nn, type)(*args, **kwargs). A model file's metadata
// "modules" (modelfile.Meta.Modules) holds it, and
// scripts/check_safetensors.py builds the model from it.
func ModulesJSON(spec Spec, in []int) (string, error) {
	mods, err := spec.Modules(in)
	if err != nil {
		return "", err
	}
	b, err := json.Marshal(mods)
	return string(b), err
}

// SaveModel writes the weights as a PyTorch-compatible state dict
// (modelfile.Write). It refuses, writing nothing, when a value is not
// finite.
func (s *Session) SaveModel(path string) error {
	return modelfile.Write(path, s.meta(), s.Model.StateDict())
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
	tensors []safetensors.Tensor
}

// ReadModel reads a model file and its metadata (modelfile.Read), and
// checks (without a device) that they describe a network glcnn can build.
// Every error is a *ModelError.
func ReadModel(path string) (*SavedModel, error) {
	meta, ts, err := modelfile.Read(path)
	if err != nil {
		return nil, &ModelError{Path: path, Err: err}
	}
	spec, err := ParseSpec(meta.Arch)
	if err == nil {
		_, err = spec.Shapes(meta.Input, len(data.ClassNames))
	}
	if err != nil {
		return nil, modelErrorf(path, "metadata arch %q: %v", meta.Arch, err)
	}
	cfg := Config{Arch: meta.Arch, Optimizer: "sgd", Mean: meta.Mean, Std: meta.Std}
	return &SavedModel{Path: path, Config: cfg, In: meta.Input, tensors: ts}, nil
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
