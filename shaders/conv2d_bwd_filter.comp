// conv2d_bwd_filter.comp — 2-D convolution, weight gradient, accumulated,
// direct (the reference kernel on the GPU):
//
//   dw[k,c,i,j] += sum_{n,oy,ox} x[n,c, oy*S-P+i, ox*S-P+j] * dy[n,k,oy,ox]
//
// over the samples N0 <= n < N1, where input positions outside the image
// read as zero. No atomics: every sum runs in a fixed order, so results
// are deterministic.
//
// Layouts (NCHW, row-major): x (N,C,H,W), dy (N,K,OH,OW), dw (K,C,KH,KW).
// Bindings: 0 x (read), 1 dy (read), 2 dw (read-write, +=). Parameters
// N, C, H, W, K, KH, KW, S, P, OH, OW, N0, N1; define WG.
//
// One invocation owns one dw element and sums over the samples [N0, N1).
// Dispatch gpu.Grid1(K*C*KH*KW) once per batch slice, in order (llvmpipe
// ends any invocation's loops after 65535 iterations, so no invocation may
// sum a whole large batch).
//
// Variants of this pass: conv2d_bwd_filter_blocked.comp (register-blocked,
// any shape), conv2d_bwd_filter_vec.comp (vec4, stride-1 3x3 pad-1 only).
#include "common.glsl"
layout(local_size_x = WG) in;
layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) readonly buffer DY { float dy[]; };
layout(std430, binding = 2) buffer DST { float dst[]; };
uniform int N, C, H, W, K, KH, KW, S, P, OH, OW;

uniform int N0, N1;
void main() {
    uint g = gid();
    if (g >= uint(K * C * KH * KW)) return;
    int t = int(g);
    int j = t % KW; t /= KW;
    int i = t % KH; t /= KH;
    int c = t % C;
    int k = t / C;
    float acc = 0.0;
    for (int n = N0; n < N1; n++) {
        for (int oy = 0; oy < OH; oy++) {
            int iy = oy * S - P + i;
            if (iy < 0 || iy >= H) continue;
            int xrow = ((n * C + c) * H + iy) * W;
            int dyrow = ((n * K + k) * OH + oy) * OW;
            for (int ox = 0; ox < OW; ox++) {
                int ix = ox * S - P + j;
                if (ix < 0 || ix >= W) continue;
                acc += x[xrow + ix] * dy[dyrow + ox];
            }
        }
    }
    dst[g] += acc;
}
