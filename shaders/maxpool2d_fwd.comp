// maxpool2d_fwd.comp — 2-D max pooling, KxK window, stride S, no padding,
// floor mode (PyTorch MaxPool2d(K, S)):
//
//   y[n,c,oy,ox]      = max_{i,j<K} x[n,c, oy*S+i, ox*S+j]
//   argmax[n,c,oy,ox] = (oy*S+i)*W + (ox*S+j) of that maximum, the flat index
//                       inside the (n,c) plane; the window is scanned row-major
//                       and only a strictly greater value replaces the current
//                       one, so the first maximum wins on ties.
//
// Layouts: x (N,C,H,W), y and argmax (N,C,OH,OW), NCHW row-major.
// Bindings: 0 x (read), 1 y (write), 2 argmax (write, uint).
// One invocation computes one output element; dispatch gpu.Grid1(N*C*OH*OW).
#include "common.glsl"
layout(local_size_x = WG) in;
layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) writeonly buffer Y { float y[]; };
layout(std430, binding = 2) writeonly buffer A { uint argmax[]; };
uniform uint n;      // outputs: N*C*OH*OW
uniform uint H;
uniform uint W;
uniform uint OH;
uniform uint OW;
uniform uint K;
uniform uint S;

void main() {
    uint o = gid();
    if (o >= n) return;
    uint ox = o % OW;
    uint oy = (o / OW) % OH;
    uint nc = o / (OW * OH);
    uint plane = nc * H * W;
    uint y0 = oy * S, x0 = ox * S;
    uint best = y0 * W + x0;
    float bv = x[plane + best];
    for (uint i = 0u; i < K; i++) {
        for (uint j = 0u; j < K; j++) {
            uint idx = (y0 + i) * W + x0 + j;
            float v = x[plane + idx];
            if (v > bv) {
                bv = v;
                best = idx;
            }
        }
    }
    y[o] = bv;
    argmax[o] = best;
}
