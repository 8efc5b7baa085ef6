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
// PAIRS=1 (the common 2x2/2 on an even width): each window row is one vec2
// load, half the loads of the general loop.
#include "common.glsl"
#ifndef PAIRS
#define PAIRS 0
#endif
layout(local_size_x = WG) in;
#if PAIRS
layout(std430, binding = 0) readonly buffer X { vec2 x2[]; };
#else
layout(std430, binding = 0) readonly buffer X { float x[]; };
#endif
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
    uint t = o / OW;
    uint oy = t % OH;
    uint plane = (t / OH) * H * W;
    uint y0 = oy * S, x0 = ox * S;
    uint best = y0 * W + x0;
#if PAIRS
    uint k = (plane + best) >> 1;
    vec2 r0 = x2[k], r1 = x2[k + (W >> 1)];
    float bv = r0.x;
    if (r0.y > bv) { bv = r0.y; best = y0 * W + x0 + 1u; }
    if (r1.x > bv) { bv = r1.x; best = (y0 + 1u) * W + x0; }
    if (r1.y > bv) { bv = r1.y; best = (y0 + 1u) * W + x0 + 1u; }
#else
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
#endif
    y[o] = bv;
    argmax[o] = best;
}
