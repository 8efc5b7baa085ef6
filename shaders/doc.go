// Package shaders holds glcnn's GLSL compute kernels as embedded files and
// assembles them into compilable sources.
//
// Each kernel is one `<op>_<pass>.comp` file; shared code lives in `.glsl`
// headers pulled in with `#include "name.glsl"`. The caller supplies
// `#define` variants (workgroup size, kernel switches). Assembly records
// where every line of the result came from, so that the driver's diagnostics
// can be mapped back to the file and line a developer edits (see
// [Source.Locate]). A table is used rather than `#line` directives because
// Mesa reports the wrong source-string number for some errors in included
// code, while every driver gets the plain line number right.
package shaders
