// Package shaders holds glcnn's GLSL compute kernels as embedded files and
// assembles them into compilable sources.
//
// Each kernel is one `<op>_<pass>[_<variant>].comp` file holding one
// kernel, which opens with what it computes, the layouts, the bindings,
// what one invocation does and the dispatch geometry. An op with several
// kernel variants has the plain direct kernel as `<op>_<pass>.comp` (the
// reference implementation on the GPU) and each faster variant in its own
// file: conv2d_fwd.comp, conv2d_fwd_blocked.comp, conv2d_fwd_vec.comp.
// Shared code lives in `.glsl` headers pulled in with
// `#include "name.glsl"` (common.glsl, conv2d.glsl). The caller supplies
// `#define`s: workgroup sizes, tile sizes and specialisations within a
// variant (a bias, stride 1), never the choice of another kernel. Assembly records
// where every line of the result came from, so that the driver's diagnostics
// can be mapped back to the file and line a developer edits (see
// [Source.Locate]). A table is used rather than `#line` directives because
// Mesa reports the wrong source-string number for some errors in included
// code, while every driver gets the plain line number right.
package shaders
