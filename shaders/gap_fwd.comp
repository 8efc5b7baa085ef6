// gap_fwd.comp — global average pooling (PyTorch AdaptiveAvgPool2d(1)):
//
//   y[p] = (sum_{i < HW} x[p*HW + i]) / HW,   p = n*C + c, HW = H*W
//
// Layouts: x (N,C,H,W), y (N,C,1,1), NCHW row-major.
// Bindings: 0 x (read), 1 y (write). Uniforms n (planes: N*C), HW; define WG.
// One invocation sums one plane, in index order (deterministic, no atomics;
// the plain kernel, fine for the small planes of the nets here: one
// workgroup per plane would be the faster one for large planes); dispatch
// gpu.Grid1(N*C).
#include "common.glsl"
layout(local_size_x = WG) in;
layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) writeonly buffer Y { float y[]; };
uniform uint n;      // planes: N*C
uniform uint HW;     // elements per plane: H*W

void main() {
    uint p = gid();
    if (p >= n) return;
    uint base = p * HW;
    float s = 0.0;
    for (uint i = 0u; i < HW; i++) {
        s += x[base + i];
    }
    y[p] = s / float(HW);
}
