// conv2d_bwd_filter_blocked.comp — 2-D convolution, weight gradient,
// register-blocked, two-stage. Computes what conv2d_bwd_filter.comp
// computes, over batch slices:
//
//   dw[k,c,i,j] += sum_{n,oy,ox} x[n,c, oy*S-P+i, ox*S-P+j] * dy[n,k,oy,ox]
//
// No atomics: every sum runs in a fixed order.
//
// Layouts (NCHW, row-major): x (N,C,H,W), dy (N,K,OH,OW), dw (K,C,KH,KW),
// partial (slices, K, C*KH*KW).
// Bindings: 0 x (read), 1 dy (read), 2 dst: dw (+=) when accum is 1 (a
// single slice), else partial (=), whose slices reduce_slices.comp adds
// into dw in order; 3 dy again, as vectors of DYV output columns (only
// when DYV is 2 or 4, which needs OW % DYV == 0). Parameters N, C, H, W,
// K, KH, KW, S, P, OH, OW, SL (samples per slice), NS (slices), accum;
// defines WG, KB, JB, S1, DYV.
//
// One invocation owns KB output channels x JB taps (c, i, j0..j0+JB-1) of
// a kernel row and sums over one batch slice of SL samples, KB*JB
// accumulators in registers (two arrays of at most 32 floats: KB*JB <=
// 64). With S1 (stride 1) the JB inputs slide along the row: one new x
// load per output pixel. Lanes run over (slice, c, i, j block) — slices in
// lanes fill the SIMD width when C is small — and the channel block is
// gl_WorkGroupID.y (conv2d.glsl says why loads are counted so carefully).
// Dispatch gpu.Grid2(NS*C*KH*ceil(KW/JB), ceil(K/KB)), NS = ceil(N/SL).
#include "common.glsl"
#include "conv2d.glsl"
#ifndef KB
#define KB 8
#endif
#ifndef JB
#define JB 3
#endif
#define KH2 ((KB + 1) / 2)
#ifndef S1
#define S1 0
#endif
#ifndef DYV
#define DYV 1
#endif
layout(local_size_x = WG) in;
layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) readonly buffer DY { float dy[]; };
layout(std430, binding = 2) buffer DST { float dst[]; };
uniform int N, C, H, W, K, KH, KW, S, P, OH, OW;

uniform int SL;    // samples per slice
uniform int NS;    // slices
uniform int accum; // 1: dst is dw, add; 0: dst is the slice's partial sums
#if DYV == 4
#define DYVT vec4
#elif DYV == 2
#define DYVT vec2
#endif
#if DYV > 1
// dy again, as vectors of DYV consecutive output columns (OW % DYV == 0).
layout(std430, binding = 3) readonly buffer DYVB { DYVT dyv[]; };
#endif

// xat(row, rowIn, ix) is x[row + ix] inside the image, else 0.
CLAMPED_LOAD(xat, x, W)

void main() {
    int JBN = (KW + JB - 1) / JB;
    int rows = C * KH * JBN;
    int r = int(gl_GlobalInvocationID.x);
    bool live = r < NS * rows;
    r = min(r, NS * rows - 1);
    int s = r / rows;
    r %= rows;
    int jb = r % JBN; r /= JBN;
    int i = r % KH;
    int c = r / KH;
    int j0 = jb * JB;
    int k0 = int(gl_WorkGroupID.y) * KB;
    int n1 = min(N, (s + 1) * SL);
    int plane = OH * OW;

    // Channel k0+kb accumulates in accA[kb*JB + q] for kb < KH2, else in
    // accB[(kb-KH2)*JB + q]: two arrays of at most 32 floats, which
    // llvmpipe keeps in registers (conv2d.glsl).
    float accA[KH2 * JB], accB[KH2 * JB];
    for (int q = 0; q < KH2 * JB; q++) { accA[q] = 0.0; accB[q] = 0.0; }
    for (int n = s * SL; n < n1; n++) {
        int xbase = (n * C + c) * H * W;
        for (int oy = 0; oy < OH; oy++) {
            int iy = oy * S - P + i;
            bool rowIn = iy >= 0 && iy < H;
            int xrow = xbase + clamp(iy, 0, H - 1) * W;
            int dyrow = n * K * plane + oy * OW; // + k*plane + ox
#if DYV > 1
            for (int og = 0; og < OW / DYV; og++) {
                // xv[u*JB + q] = x at output column DYV*og+u, tap j0+q.
                float xv[DYV * JB];
#if S1
                float xr[DYV - 1 + JB];
                for (int u = 0; u < DYV - 1 + JB; u++) xr[u] = xat(xrow, rowIn, DYV * og - P + j0 + u);
                for (int u = 0; u < DYV; u++)
                    for (int q = 0; q < JB; q++) xv[u * JB + q] = xr[u + q];
#else
                for (int u = 0; u < DYV; u++)
                    for (int q = 0; q < JB; q++) xv[u * JB + q] = xat(xrow, rowIn, (DYV * og + u) * S - P + j0 + q);
#endif
                for (int kb = 0; kb < KH2; kb++) {
                    DYVT d = dyv[(dyrow + min(k0 + kb, K - 1) * plane) / DYV + og];
                    for (int q = 0; q < JB; q++)
                        for (int u = 0; u < DYV; u++) accA[kb * JB + q] += d[u] * xv[u * JB + q];
                }
                for (int kb = 0; kb < KB - KH2; kb++) {
                    DYVT d = dyv[(dyrow + min(k0 + KH2 + kb, K - 1) * plane) / DYV + og];
                    for (int q = 0; q < JB; q++)
                        for (int u = 0; u < DYV; u++) accB[kb * JB + q] += d[u] * xv[u * JB + q];
                }
            }
#else
            float xv[JB];
#if S1
            for (int q = 1; q < JB; q++) xv[q] = xat(xrow, rowIn, -P + j0 + q - 1);
#endif
            for (int ox = 0; ox < OW; ox++) {
#if S1
                for (int q = 0; q < JB - 1; q++) xv[q] = xv[q + 1];
                xv[JB - 1] = xat(xrow, rowIn, ox - P + j0 + JB - 1);
#else
                for (int q = 0; q < JB; q++) xv[q] = xat(xrow, rowIn, ox * S - P + j0 + q);
#endif
                for (int kb = 0; kb < KH2; kb++) {
                    float d = dy[dyrow + min(k0 + kb, K - 1) * plane + ox];
                    for (int q = 0; q < JB; q++) accA[kb * JB + q] += d * xv[q];
                }
                for (int kb = 0; kb < KB - KH2; kb++) {
                    float d = dy[dyrow + min(k0 + KH2 + kb, K - 1) * plane + ox];
                    for (int q = 0; q < JB; q++) accB[kb * JB + q] += d * xv[q];
                }
            }
#endif
        }
    }
    if (!live) return;
    int taps = C * KH * KW;
    for (int kb = 0; kb < KB; kb++) {
        int k = k0 + kb;
        if (k >= K) break;
        for (int q = 0; q < JB; q++) {
            int j = j0 + q;
            if (j >= KW) break;
            int e = ((k * C + c) * KH + i) * KW + j;
            float v = kb < KH2 ? accA[kb * JB + q] : accB[(kb - KH2) * JB + q];
            if (accum != 0) dst[e] += v;
            else dst[s * K * taps + e] = v;
        }
    }
}
