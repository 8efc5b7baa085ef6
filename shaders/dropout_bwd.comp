// dropout_bwd.comp — input gradient of dropout with the mask saved by
// dropout_fwd.comp:
//
//   dx[i] = bit i of mask ? dy[i] * scale : 0
//
// Layouts: dy, dx flat (n); mask (ceil(n/32)) uint words.
// Bindings: 0 dy (read), 1 mask (read), 2 dx (write).
// One invocation computes one element; dispatch gpu.Grid1(n).
#include "common.glsl"
layout(local_size_x = WG) in;
layout(std430, binding = 0) readonly buffer DY { float dy[]; };
layout(std430, binding = 1) readonly buffer MASK { uint mask[]; };
layout(std430, binding = 2) writeonly buffer DX { float dx[]; };
uniform uint n;
uniform float scale;

void main() {
    uint i = gid();
    if (i >= n) return;
    bool keep = ((mask[i >> 5] >> (i & 31u)) & 1u) != 0u;
    dx[i] = keep ? dy[i] * scale : 0.0;
}
