// maxpool2d_bwd.comp — input gradient of 2-D max pooling (see
// maxpool2d_fwd.comp), as a gather so no two invocations write one element:
//
//   dx[n,c,h,w] = sum over the windows (oy,ox) that contain (h,w) and whose
//                 argmax[n,c,oy,ox] == h*W+w of dy[n,c,oy,ox]
//
// The windows containing row h are oy in [ceil((h-K+1)/S), floor(h/S)] within
// [0,OH) (likewise for columns); overlapping windows (K > S, e.g. 3x3/2) add
// up, in increasing (oy,ox) order — the same value PyTorch's scatter gives
// up to the order of the (at most ceil(K/S)^2) additions.
//
// Layouts: dx (N,C,H,W); dy, argmax (N,C,OH,OW); NCHW row-major.
// Bindings: 0 dy (read), 1 argmax (read, uint), 2 dx (write).
// One invocation computes one input-gradient element; dispatch
// gpu.Grid1(N*C*H*W).
#include "common.glsl"
layout(local_size_x = WG) in;
layout(std430, binding = 0) readonly buffer DY { float dy[]; };
layout(std430, binding = 1) readonly buffer A { uint argmax[]; };
layout(std430, binding = 2) writeonly buffer DX { float dx[]; };
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
    uint self = h * W + w;
    // First window containing h: ceil((h-K+1)/S), clamped at 0.
    uint oy0 = h + 1u >= K ? (h + 1u - K + S - 1u) / S : 0u;
    uint oy1 = min(h / S, OH - 1u);
    uint ox0 = w + 1u >= K ? (w + 1u - K + S - 1u) / S : 0u;
    uint ox1 = min(w / S, OW - 1u);
    uint base = nc * OH * OW;
    float acc = 0.0;
    for (uint oy = oy0; oy <= oy1 && oy < OH; oy++) {
        for (uint ox = ox0; ox <= ox1 && ox < OW; ox++) {
            uint o = base + oy * OW + ox;
            if (argmax[o] == self) acc += dy[o];
        }
    }
    dx[i] = acc;
}
