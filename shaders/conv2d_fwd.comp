// conv2d_fwd.comp — 2-D convolution, forward (PyTorch Conv2d, groups=1,
// dilation=1):
//
//   y[n,k,oy,ox] = b[k] + sum_{c,i,j} x[n,c, oy*S-P+i, ox*S-P+j] * w[k,c,i,j]
//
// where input positions outside the image read as zero.
//
// Layouts (NCHW, row-major): x (N,C,H,W), w (K,C,KH,KW), b (K), y (N,K,OH,OW).
// Bindings: 0 x (read), 1 w (read), 2 y (write), 3 b (read, only when
// HAS_BIAS is 1). Shapes are uniforms; WG, BLOCKED, KB, PB, HAS_BIAS are
// defines.
//
// Versions:
//   BLOCKED 0 (direct): one invocation computes one y element.
//     Dispatch gpu.Grid1(N*K*OH*OW).
//   BLOCKED 1 (register-blocked): one invocation computes KB output channels
//     x PB consecutive output columns of one output row, KB*PB accumulators in
//     registers, so each x value loaded feeds KB FMAs and each weight PB.
//     Lanes run over (n, oy, column block); the channel block is
//     gl_WorkGroupID.y, so weight addresses are the same for the whole
//     workgroup and llvmpipe loads them once as scalars. Dispatch
//     gpu.Grid2(N*OH*ceil(OW/PB), ceil(K/KB)). Out-of-range lanes, rows and
//     columns compute on clamped indices and only the store is guarded:
//     on llvmpipe divergent control flow around a load turns every load in
//     it into a per-lane gather.
#include "common.glsl"
#ifndef BLOCKED
#define BLOCKED 0
#endif
#ifndef KB
#define KB 8
#endif
#ifndef PB
#define PB 4
#endif
#ifndef HAS_BIAS
#define HAS_BIAS 0
#endif
layout(local_size_x = WG) in;
layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) readonly buffer Wt { float w[]; };
layout(std430, binding = 2) writeonly buffer Y { float y[]; };
#if HAS_BIAS
layout(std430, binding = 3) readonly buffer B { float b[]; };
#endif
uniform int N, C, H, W, K, KH, KW, S, P, OH, OW;

#if BLOCKED == 0
void main() {
    uint g = gid();
    if (g >= uint(N * K * OH * OW)) return;
    int t = int(g);
    int ox = t % OW; t /= OW;
    int oy = t % OH; t /= OH;
    int k = t % K;
    int n = t / K;
#if HAS_BIAS
    float acc = b[k];
#else
    float acc = 0.0;
#endif
    for (int c = 0; c < C; c++) {
        for (int i = 0; i < KH; i++) {
            int iy = oy * S - P + i;
            if (iy < 0 || iy >= H) continue;
            int xrow = ((n * C + c) * H + iy) * W;
            int wrow = ((k * C + c) * KH + i) * KW;
            for (int j = 0; j < KW; j++) {
                int ix = ox * S - P + j;
                if (ix < 0 || ix >= W) continue;
                acc += x[xrow + ix] * w[wrow + j];
            }
        }
    }
    y[g] = acc;
}
#else
void main() {
    int OWB = (OW + PB - 1) / PB;
    int total = N * OH * OWB;
    int g = int(gl_GlobalInvocationID.x);
    bool live = g < total;
    g = min(g, total - 1);
    int owb = g % OWB; g /= OWB;
    int oy = g % OH;
    int n = g / OH;
    int k0 = int(gl_WorkGroupID.y) * KB;
    int ox0 = owb * PB;
    int wk = C * KH * KW; // stride between output channels in w

    float acc[KB * PB];
    for (int kb = 0; kb < KB; kb++) {
#if HAS_BIAS
        float bv = b[min(k0 + kb, K - 1)];
#else
        float bv = 0.0;
#endif
        for (int p = 0; p < PB; p++) acc[kb * PB + p] = bv;
    }
    for (int c = 0; c < C; c++) {
        for (int i = 0; i < KH; i++) {
            int iy = oy * S - P + i;
            bool rowIn = iy >= 0 && iy < H;
            int xrow = ((n * C + c) * H + clamp(iy, 0, H - 1)) * W;
            int wrow = (c * KH + i) * KW;
            for (int j = 0; j < KW; j++) {
                float xv[PB];
                for (int p = 0; p < PB; p++) {
                    int ix = (ox0 + p) * S - P + j;
                    float v = x[xrow + clamp(ix, 0, W - 1)];
                    xv[p] = (rowIn && ix >= 0 && ix < W) ? v : 0.0;
                }
                for (int kb = 0; kb < KB; kb++) {
                    float wv = w[min(k0 + kb, K - 1) * wk + wrow + j];
                    for (int p = 0; p < PB; p++) acc[kb * PB + p] += wv * xv[p];
                }
            }
        }
    }
    if (!live) return;
    for (int kb = 0; kb < KB; kb++) {
        int k = k0 + kb;
        for (int p = 0; p < PB; p++) {
            int ox = ox0 + p;
            if (k < K && ox < OW) y[((n * K + k) * OH + oy) * OW + ox] = acc[kb * PB + p];
        }
    }
}
#endif
