// gap_bwd.comp — the input gradient of global average pooling:
//
//   dx[i] = dy[i / HW] / HW,   i over N*C*H*W, HW = H*W
//
// Layouts: dy (N,C,1,1), dx (N,C,H,W), NCHW row-major.
// Bindings: 0 dy (read), 1 dx (write). Uniforms n (inputs: N*C*H*W), HW;
// define WG. One invocation writes one input element (a gather: no sums);
// dispatch gpu.Grid1(N*C*H*W).
#include "common.glsl"
layout(local_size_x = WG) in;
layout(std430, binding = 0) readonly buffer DY { float dy[]; };
layout(std430, binding = 1) writeonly buffer DX { float dx[]; };
uniform uint n;      // inputs: N*C*H*W
uniform uint HW;     // elements per plane: H*W

void main() {
    uint i = gid();
    if (i >= n) return;
    dx[i] = dy[i / HW] / float(HW);
}
