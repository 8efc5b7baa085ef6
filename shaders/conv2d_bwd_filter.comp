// conv2d_bwd_filter.comp — 2-D convolution, weight gradient, accumulated:
//
//   dw[k,c,i,j] += sum_{n,oy,ox} x[n,c, oy*S-P+i, ox*S-P+j] * dy[n,k,oy,ox]
//
// where input positions outside the image read as zero. No atomics: every
// sum runs in a fixed order, so results are deterministic.
//
// Layouts (NCHW, row-major): x (N,C,H,W), dy (N,K,OH,OW), dw (K,C,KH,KW).
// Bindings: 0 x (read), 1 dy (read), 2 dst. Shapes are uniforms; WG,
// BLOCKED, KB are defines.
//
// Versions:
//   BLOCKED 0 (direct): one invocation owns one dw element and sums over the
//     whole batch; dst is dw (+=). Dispatch gpu.Grid1(K*C*KH*KW).
//   BLOCKED 1 (register-blocked, two-stage): one invocation owns KB output
//     channels of one tap t = (c,i,j) and sums over one batch slice of SL
//     samples, KB accumulators in registers: each x value loaded feeds KB
//     FMAs. Lanes run over t; the channel block is gl_WorkGroupID.y and the
//     slice gl_WorkGroupID.z, so dy addresses are uniform across the
//     workgroup. With accum = 1 (a single slice) dst is dw (+=); else dst is
//     partial (slices, K, C*KH*KW) (=) and reduce_slices.comp adds the
//     slices into dw in order. Dispatch gpu.Grid3(C*KH*KW, ceil(K/KB),
//     ceil(N/SL)), local size (WG,1,1).
#include "common.glsl"
#ifndef BLOCKED
#define BLOCKED 0
#endif
#ifndef KB
#define KB 8
#endif
layout(local_size_x = WG) in;
layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) readonly buffer DY { float dy[]; };
layout(std430, binding = 2) buffer DST { float dst[]; };
uniform int N, C, H, W, K, KH, KW, S, P, OH, OW;

#if BLOCKED == 0
void main() {
    uint g = gid();
    if (g >= uint(K * C * KH * KW)) return;
    int t = int(g);
    int j = t % KW; t /= KW;
    int i = t % KH; t /= KH;
    int c = t % C;
    int k = t / C;
    float acc = 0.0;
    for (int n = 0; n < N; n++) {
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
#else
uniform int SL;    // samples per slice
uniform int accum; // 1: dst is dw, add; 0: dst is the slice's partial sums
void main() {
    int taps = C * KH * KW;
    int t = int(gl_GlobalInvocationID.x);
    bool live = t < taps;
    t = min(t, taps - 1);
    int tap = t;
    int j = t % KW; t /= KW;
    int i = t % KH;
    int c = t / KH;
    int k0 = int(gl_WorkGroupID.y) * KB;
    int s = int(gl_WorkGroupID.z);
    int n1 = min(N, (s + 1) * SL);
    int plane = OH * OW;

    float acc[KB];
    for (int kb = 0; kb < KB; kb++) acc[kb] = 0.0;
    for (int n = s * SL; n < n1; n++) {
        int xbase = (n * C + c) * H * W;
        int dybase = n * K * plane;
        for (int oy = 0; oy < OH; oy++) {
            int iy = oy * S - P + i;
            bool rowIn = iy >= 0 && iy < H;
            int xrow = xbase + clamp(iy, 0, H - 1) * W;
            for (int ox = 0; ox < OW; ox++) {
                int ix = ox * S - P + j;
                float v = x[xrow + clamp(ix, 0, W - 1)];
                float xv = (rowIn && ix >= 0 && ix < W) ? v : 0.0;
                int o = dybase + oy * OW + ox;
                for (int kb = 0; kb < KB; kb++)
                    acc[kb] += xv * dy[o + min(k0 + kb, K - 1) * plane];
            }
        }
    }
    if (!live) return;
    for (int kb = 0; kb < KB; kb++) {
        int k = k0 + kb;
        if (k >= K) break;
        int e = k * taps + tap;
        if (accum != 0) dst[e] += acc[kb];
        else dst[s * K * taps + e] = acc[kb];
    }
}
#endif
