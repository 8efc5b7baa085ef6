// avgpool2d_bwd.comp — input gradient of 2-D average pooling (see
// avgpool2d_fwd.comp), as a gather so no two invocations write one element
// and no atomics are needed:
//
//   dx[n,c,h,w] = (sum over the windows (oy,ox) that contain (h,w) of
//                  dy[n,c,oy,ox]) / K²
//
// The windows containing row h are oy in [ceil((h-K+1)/S), floor(h/S)]
// within [0,OH) (likewise for columns): at most ceil(K/S)² of them,
// summed in increasing (oy,ox) order, so the result is the same on every
// run. Overlapping windows (K > S) add up; an input no window covers (the
// border floor mode drops, the gaps when K < S) gets 0, so dx needs no
// clearing first.
//
// Layouts: dx (N,C,H,W); dy (N,C,OH,OW); NCHW row-major.
// Bindings: 0 dy (read), 1 dx (write).
// One invocation computes one input-gradient element; dispatch
// gpu.Grid1(N*C*H*W).
#include "common.glsl"
layout(local_size_x = WG) in;
layout(std430, binding = 0) readonly buffer DY { float dy[]; };
layout(std430, binding = 1) writeonly buffer DX { float dx[]; };
uniform uint n;      // inputs: N*C*H*W
uniform uint H;
uniform uint W;
uniform uint OH;
uniform uint OW;
uniform uint K;
uniform uint S;

void main() {
    uint i = gid();
    if (i >= n) return;
    uint w = i % W;
    uint h = (i / W) % H;
    uint nc = i / (W * H);
    // First window containing h: ceil((h-K+1)/S), clamped at 0; the last
    // is floor(h/S), clamped at OH-1 (past it the loop does not run).
    uint oy0 = h + 1u >= K ? (h + 1u - K + S - 1u) / S : 0u;
    uint oy1 = min(h / S, OH - 1u);
    uint ox0 = w + 1u >= K ? (w + 1u - K + S - 1u) / S : 0u;
    uint ox1 = min(w / S, OW - 1u);
    uint base = nc * OH * OW;
    float acc = 0.0;
    for (uint oy = oy0; oy <= oy1; oy++) {
        for (uint ox = ox0; ox <= ox1; ox++) {
            acc += dy[base + oy * OW + ox];
        }
    }
    dx[i] = acc / float(K * K);
}
