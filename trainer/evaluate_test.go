package trainer

import (
	"testing"

	"github.com/glcnn/glcnn/data"
	"github.com/glcnn/glcnn/gpu/gputest"
)

// TestEvaluateAllocationError: predictions the device cannot hold (one
// more than its storage-block limit) are Evaluate's error, not a panic,
// and Predict passes it on.
func TestEvaluateAllocationError(t *testing.T) {
	d := gputest.Device(t)
	n := int(d.Info().MaxStorageBlock/4) + 1
	if n > 1<<26 {
		t.Skipf("the device's storage-block limit (%d MiB) would need %d MiB of host predictions", d.Info().MaxStorageBlock>>20, 4*n>>20)
	}
	s, err := NewSession(d, Config{Arch: "fc:10", Optimizer: "sgd", LR0: 0.1, Std: 1}, []int{1, 28, 28}, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Release()
	before := d.Stats().LiveBuffers
	// The predictions buffer is allocated before the data are read, so a
	// Resident of that many rows needs no upload.
	loss, acc, err := s.Evaluate(&data.Resident{N: n, H: 28, W: 28}, make([]int32, n))
	if err == nil {
		t.Fatalf("Evaluate of %d rows = %v, %v, nil; want the allocation's error", n, loss, acc)
	}
	t.Log(err)
	if after := d.Stats().LiveBuffers; after != before {
		t.Errorf("%d live buffers after the failed Evaluate, %d before", after, before)
	}
}
