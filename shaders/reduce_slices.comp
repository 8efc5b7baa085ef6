// reduce_slices.comp — second stage of a two-stage sum: adds per-slice
// partial sums into an accumulated gradient, slices in order (deterministic,
// no atomics):
//
//   dst[e] += sum_{s < slices} partial[s*n + e]
//
// Bindings: 0 partial (slices, n) (read), 1 dst (n) (read-write).
// Uniforms n, slices; define WG. One invocation owns one element e.
// Dispatch gpu.Grid1(n).
#include "common.glsl"
layout(local_size_x = WG) in;
layout(std430, binding = 0) readonly buffer Partial { float partial[]; };
layout(std430, binding = 1) buffer DST { float dst[]; };
uniform uint n;
uniform uint slices;

void main() {
    uint e = gid();
    if (e >= n) return;
    float acc = 0.0;
    for (uint s = 0u; s < slices; s++) acc += partial[s * n + e];
    dst[e] += acc;
}
