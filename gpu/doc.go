// Package gpu owns glcnn's OpenGL 4.3 compute runtime: the context (headless
// EGL or a hidden GLFW window), the GL thread, storage buffers, compute
// programs, dispatch with barriers, timers and transfer counters.
//
// # The GL thread
//
// An OpenGL context is current on one OS thread. [Open] starts a goroutine
// that locks itself to an OS thread, creates the context there and then runs
// every GL call of the process. Nothing outside this package imports go-gl.
// Every exported method of [Device], [Buffer] and [Program] marshals its GL
// work onto that thread and waits for it, so they may be called from any
// goroutine (tests, the trainer, a signal handler). [Device.Call] runs a
// whole function on the GL thread — use it to batch many calls into one
// hand-off; gpu methods called inside it run directly, without deadlock.
// Calls are serialised: one GL context per process, one thread per context.
//
// # Memory and barriers
//
// Buffers are std430 shader storage buffers. [Device.Dispatch] issues the
// memory barrier that a later dispatch or download reading the results
// needs, so callers never do. The device counts live buffers and bytes and
// host↔GPU transfers ([Device.Stats]) so tests can prove that training
// keeps data on the GPU and that nothing leaks.
//
// # Bindings
//
// A dispatch names each buffer's binding index ([Bindings], a keyed
// literal such as gpu.Bindings{0: x, 2: y}); [Device.Dispatch] checks the
// indices against the blocks the driver reports for the program
// ([Program.Blocks], read once when the program is built) and panics,
// naming the program, the index and the blocks, when a buffer is bound
// where the kernel has no block, a storage buffer where it has a uniform
// block (or the reverse), or a block is left unbound.
//
// # Debugging
//
// Options.Debug (the CLI's --gl-debug, or the `gldebug` build tag in tests)
// creates a debug context, installs the KHR_debug message callback and
// checks glGetError after every GL call, panicking with the name of the call
// that failed.
package gpu
