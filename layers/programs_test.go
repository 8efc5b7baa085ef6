package layers

import (
	"strings"
	"testing"

	"github.com/glcnn/glcnn/gpu"
	"github.com/glcnn/glcnn/gpu/gputest"
)

// TestProgramsKeepFirstError: a kernel that cannot be built becomes an
// error naming the layer and the kernel (Setup returns it), and later
// kernels are not attempted.
func TestProgramsKeepFirstError(t *testing.T) {
	d := gputest.Device(t)
	k := programs{d: d, op: "conv"}
	if p := k.get("relu_fwd", gpu.D("WG", 64), gpu.D("V", 1)); p == nil || k.err != nil {
		t.Fatalf("relu_fwd: %v, %v", p, k.err)
	}
	if p := k.get("conv2d_fwd_winograd"); p != nil || k.err == nil {
		t.Fatalf("a missing kernel gave %v, %v", p, k.err)
	}
	first := k.err
	if p := k.get("relu_fwd", gpu.D("WG", 64), gpu.D("V", 1)); p != nil || k.err != first {
		t.Errorf("after an error: %v, %v", p, k.err)
	}
	if msg := first.Error(); !strings.HasPrefix(msg, "layers: conv: ") || !strings.Contains(msg, "conv2d_fwd_winograd") {
		t.Errorf("error %q does not name the layer and the kernel", msg)
	}
}
