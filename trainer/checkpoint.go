package trainer

import (
	"encoding/json"
	"fmt"

	"github.com/glcnn/glcnn/modelfile"
)

// saveCheckpoint writes the model, the optimizer state and ck
// (modelfile.WriteCheckpoint; ck's configuration and optimizer fields are
// the session's). It refuses, writing nothing, when a value is not finite.
func (s *Session) saveCheckpoint(path string, ck modelfile.Checkpoint) error {
	cfg, err := json.Marshal(s.Cfg)
	if err != nil {
		return fmt.Errorf("trainer: %s not written: %w", path, err)
	}
	step, bufs := s.Opt.State()
	ck.Config, ck.Optimizer, ck.OptimizerStep = cfg, optimizerName(s.Opt), step
	ck.OptimizerState = make([][]float32, len(bufs))
	for i, b := range bufs {
		ck.OptimizerState[i] = b.Read()
	}
	return modelfile.WriteCheckpoint(path, s.meta(), s.Model.StateDict(), ck)
}

// loadCheckpoint restores the model and the optimizer from a checkpoint
// of the session's network, input and optimizer, and returns the rest of
// the run's state; every error is a *ModelError.
func (s *Session) loadCheckpoint(path string) (modelfile.Checkpoint, error) {
	meta, model, ck, err := modelfile.ReadCheckpoint(path)
	if err != nil {
		return ck, &ModelError{Path: path, Err: err}
	}
	if meta.Arch != s.Model.Spec.String() {
		return ck, modelErrorf(path, "a checkpoint of arch %q, not %q", meta.Arch, s.Model.Spec)
	}
	if in, want := ShapeString(meta.Input), ShapeString(s.Model.In); in != want {
		return ck, modelErrorf(path, "a checkpoint for %s images, not %s", in, want)
	}
	if o, want := ck.Optimizer, optimizerName(s.Opt); o != "" && o != want {
		return ck, modelErrorf(path, "a checkpoint of optimizer %s, not %s", o, want)
	}
	if err := s.Model.LoadStateDict(model); err != nil {
		return ck, modelErrorf(path, "%v", err)
	}
	_, bufs := s.Opt.State()
	for i, b := range bufs {
		if i >= len(ck.OptimizerState) || len(ck.OptimizerState[i]) != b.Len() {
			return ck, modelErrorf(path, "optimizer state %d missing or of another size", i)
		}
		b.Buf.UploadAt(0, ck.OptimizerState[i])
	}
	s.Opt.SetStep(ck.OptimizerStep)
	return ck, nil
}
