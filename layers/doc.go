// Package layers holds glcnn's network operations: each op's forward and
// backward GLSL kernels (package shaders) wrapped as a [Layer], checked
// against the float64 reference in package layers/ref.
//
// Tensors are float32, NCHW, row-major, and live in GPU buffers. A layer is
// set up once for a per-sample input shape and a largest batch; it owns the
// buffers of its output and of its input gradient, so a training step
// allocates nothing. Forward and Backward take batches of any size up to the
// set-up maximum: they use a prefix of those buffers.
//
// Conv2D and Linear have several kernel variants ([Variant]: direct,
// blocked, vec, winograd), each a set of kernels in package shaders; all compute the
// same function, the direct kernels in the plainest way. Kernels bind
// their buffers by explicit index ([gpu.Bindings]), checked against the
// program. Setup returns any kernel's compile error.
//
// Parameter gradients accumulate: Backward adds to Param.Grad, and the
// trainer zeroes the gradients before each optimizer step. That is how a
// batch larger than one storage binding is processed in chunks.
package layers
