// Package ref is the float64 pure-Go reference of every op and optimizer glcnn
// runs on the GPU.
//
// Each function is written as the plainest loops, with the formula it computes
// in its doc comment, so that a reader can check it against PyTorch by eye and
// the GPU kernels in package layers can be tested against it. Semantics follow
// PyTorch (Conv2d, MaxPool2d, Linear, ReLU, BatchNorm2d, Dropout,
// CrossEntropyLoss, torch.optim.SGD/Adam/AdamW); tensors are flat slices in
// NCHW row-major order. Nothing here is fast and nothing here needs to be.
//
// Functions return freshly allocated outputs; optimizer steps and batch-norm
// running statistics update their arguments in place, as documented. Every
// function panics, with a message starting with "ref: ", when a slice length
// does not match the shape it was given: that is a programmer error.
//
// The package also holds test helpers shared by the GPU-layer tests: Close
// (balanced tolerance comparison of float32 results against float64 ones),
// Float32s, Float64s, RandN, and LoadGolden for the PyTorch golden files in
// layers/testdata.
package ref

import "fmt"

// checkLen panics when len(s) != want; name identifies the argument.
func checkLen(op, name string, s int, want int) {
	if s != want {
		panic(fmt.Sprintf("ref: %s: len(%s) = %d, want %d", op, name, s, want))
	}
}
