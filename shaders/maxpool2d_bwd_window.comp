// maxpool2d_bwd_window.comp — input gradient of 2-D max pooling when windows
// do not overlap (K <= S, e.g. the common 2x2/2), as a scatter over windows:
//
//   dx[n,c,y0+i,x0+j] = dy[n,c,oy,ox] if (y0+i)*W + x0+j == argmax[n,c,oy,ox]
//                       else 0,            for i, j in [0,K), y0 = oy*S, x0 = ox*S
//
// Windows are disjoint, so every dx element is written by at most one
// invocation (no atomics, deterministic). Elements outside every window
// (K < S, or H, W not multiples of S) are not written: the layer clears dx
// first in that case.
//
// Layouts: dx (N,C,H,W); dy, argmax (N,C,OH,OW); NCHW row-major.
// Bindings: 0 dy (read), 1 argmax (read, uint), 2 dx (write).
// One invocation handles one window (K*K writes, two loads) — a quarter of
// the invocations and far fewer loads than the per-input gather of
// maxpool2d_bwd.comp; dispatch gpu.Grid1(N*C*OH*OW).
#include "common.glsl"
layout(local_size_x = WG) in;
layout(std430, binding = 0) readonly buffer DY { float dy[]; };
layout(std430, binding = 1) readonly buffer A { uint argmax[]; };
layout(std430, binding = 2) writeonly buffer DX { float dx[]; };
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
    uint best = argmax[o];
    float g = dy[o];
    for (uint i = 0u; i < K; i++) {
        uint row = (y0 + i) * W + x0;
        for (uint j = 0u; j < K; j++) {
            dx[plane + row + j] = row + j == best ? g : 0.0;
        }
    }
}
