// Package gl is the part of OpenGL 4.3 core that glcnn calls, bound by
// hand with the names and Go signatures of go-gl's
// github.com/go-gl/gl/v4.3-core/gl: code written against go-gl changes
// only its import line.
//
// Why: go-gl's package is glow's output for all of GL 4.3 core, a 1.1 MB
// file with 1,305 functions and thousands of constants, and cgo takes
// about 68 s to build it with an empty build cache (measured with
// GOCACHE=$(mktemp -d) go build github.com/go-gl/gl/v4.3-core/gl once std
// was cached; CGO_CFLAGS=-O0 does not help, the time is cgo's own work per
// name): the longest step of a cold make test. glow's -restrict option
// would generate just the subset, but glow is not reachable from the
// project's machines (the Go module proxy answers 403), hence this
// package, which builds in about 1 s.
//
// What it has: the 47 functions in gpu/ calls (gl.go), the 62 enums it
// uses (consts.go, with the values of Mesa's <GL/glcorearb.h>),
// InitWithProcAddrFunc, DebugMessageCallback with DebugProc (debug.go),
// and go-gl's Str, Strs and GoStr (conversions.go). There is no Init:
// glcnn always loads the entry points through its context's getProcAddr
// (eglGetProcAddress, glfw.GetProcAddress), so nothing is linked, not even
// libGL; only the header <GL/glcorearb.h> (libgl-dev) is needed, for the
// GL types and the PFNGL...PROC typedefs.
//
// Adding a function, say glFoo (take its Go signature from go-gl's
// v4.3-core/gl/package.go, func Foo):
//
//  1. in gl.go's preamble, a trampoline
//     static R glcnnFoo(void *fn, <glFoo's parameters>) { return CALL(FOO)(<arguments>); }
//     (CALL casts fn to the header's PFNGLFOOPROC);
//  2. a variable gpFoo in the var block and {"glFoo", &gpFoo} in procs;
//  3. func Foo, calling C.glcnnFoo(gpFoo, ...) with its arguments
//     converted to the C types as go-gl does.
//
// A constant goes in consts.go with the header's value. TestShape checks
// that the three pieces agree, TestConstsMatchHeader the values.
//
// Parts are adapted from go-gl (MIT license, Copyright (c) 2014 Eric
// Woroshow; the notice is in conversions.go): the helpers in
// conversions.go, DebugProc and the exported callback in debug.go, and the
// way DebugMessageCallback installs a C function that calls back into Go.
package gl
