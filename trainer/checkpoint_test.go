package trainer

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/glcnn/glcnn/gpu/gputest"
	"github.com/glcnn/glcnn/modelfile"
)

// TestCheckpointOfOtherInput: a checkpoint made for 28x28 images is not
// resumed on 29x29 images, though the network's tensors fit both (the
// pooling floors 27 and 26 to 13).
func TestCheckpointOfOtherInput(t *testing.T) {
	d := gputest.Device(t)
	cfg := small()
	cfg.Arch = "conv:4:3,maxpool:2,flatten,fc:10"
	a, err := NewSession(d, cfg, []int{1, 28, 28}, 4)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Release()
	a.Model.Init(1)
	path := filepath.Join(t.TempDir(), CheckpointFile)
	if err := a.saveCheckpoint(path, modelfile.Checkpoint{Epoch: 1}); err != nil {
		t.Fatal(err)
	}
	b, err := NewSession(d, cfg, []int{1, 29, 29}, 4)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Release()
	_, err = b.loadCheckpoint(path)
	var me *ModelError
	if !errors.As(err, &me) || !strings.Contains(err.Error(), "1x28x28") || !strings.Contains(err.Error(), "1x29x29") {
		t.Errorf("loadCheckpoint on 29x29 images = %v, want a ModelError naming both shapes", err)
	}
}
