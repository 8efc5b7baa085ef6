package layers

import "testing"

// TestGPUShapes runs the conv and linear tests with the workgroup sizes
// and slice counts the layers choose on a GPU (64-invocation blocked
// kernels, more dw slices), which the CPU drivers of CI would otherwise
// never run.
func TestGPUShapes(t *testing.T) {
	old := forceGPUShapes
	forceGPUShapes = true
	defer func() { forceGPUShapes = old }()
	t.Run("conv", TestConv2D)
	t.Run("conv_vec", TestConv2DVec)
	t.Run("linear", TestLinear)
	t.Run("linear_slices", TestLinearSlices)
}
