// Package bench is glcnn's benchmark: the device's own roofline measured
// with probe shaders, every kernel of the presets' networks validated
// against layers/ref and timed against that roofline, end-to-end training
// and inference throughput, and start-up time with and without the
// program-binary cache. `glcnn bench` prints it as a table, JSON or
// Markdown; `go test -bench` runs the kernel part as Go benchmarks.
//
// Timings come from gpu.Device.Time: GPU timer queries where they mean
// something, glFinish and the wall clock on software renderers (llvmpipe),
// and every result says which.
package bench
