// conv2d_fwd_blocked.comp — 2-D convolution, forward, register-blocked.
// Computes what conv2d_fwd.comp computes:
//
//   y[n,k,oy,ox] = b[k] + sum_{c,i,j} x[n,c, oy*S-P+i, ox*S-P+j] * w[k,c,i,j]
//
// Layouts (NCHW, row-major): x (N,C,H,W), b (K), y (N,K,OH,OW); the
// weights come packed by conv2d_pack.comp with the output channel
// innermost: wp[(c*KH + i)*KW + j][k], K padded to a multiple of KB with
// zeros (layers: packForward), so the KB weights of a tap are KB/4 aligned
// vec4 loads.
// Bindings: 0 x (read), 2 y (write), 3 b (read; only when HAS_BIAS is 1),
// 4 packed weights (read). Parameters N, C, H, W, K, KH, KW, S, P, OH, OW;
// defines WG, KB, PB, S1, HAS_BIAS.
//
// One invocation computes KB output channels x PB consecutive output
// columns of one output row, KB*PB accumulators in registers, so each x
// value loaded feeds KB FMAs and each weight PB. With S1 (stride 1) the PB
// inputs of a row slide along it: one new x load per tap. Lanes run over
// (n, oy, column block); the channel block is gl_WorkGroupID.y. KB is 4,
// 8, 12 or 16, KB*PB at most 64 floats of accumulators (conv2d.glsl says
// why loads are counted so carefully).
// Dispatch gpu.Grid2(N*OH*ceil(OW/PB), ceil(K/KB)).
#include "common.glsl"
#include "conv2d.glsl"
#ifndef KB
#define KB 8
#endif
#ifndef PB
#define PB 4
#endif
#ifndef S1
#define S1 0
#endif
#ifndef HAS_BIAS
#define HAS_BIAS 0
#endif
layout(local_size_x = WG) in;
layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 2) writeonly buffer Y { float y[]; };
#if HAS_BIAS
layout(std430, binding = 3) readonly buffer B { float b[]; };
#endif
layout(std430, binding = 4) readonly buffer WP { vec4 wp[]; };
uniform int N, C, H, W, K, KH, KW, S, P, OH, OW;

// xat(row, rowIn, ix) is x[row + ix] inside the image, else 0.
CLAMPED_LOAD(xat, x, W)

// ACCUMULATE adds the four channels of packed weight vec4 WI times the PB
// inputs XV into the accumulator array A.
#define ACCUMULATE(A, WI, XV) { vec4 wv = wp[WI]; for (int p = 0; p < PB; p++) A[p] += wv * XV[p]; }

// store writes channels k..k+3 (those < K) of columns ox0.. (those < OW).
void store(int n, int oy, int ox0, int k, vec4 a[PB]) {
    for (int u = 0; u < 4; u++) {
        if (k + u >= K) return;
#if HAS_BIAS
        float bv = b[k + u];
#else
        float bv = 0.0;
#endif
        int row = ((n * K + k + u) * OH + oy) * OW;
        for (int p = 0; p < PB; p++) {
            if (ox0 + p < OW) y[row + ox0 + p] = a[p][u] + bv;
        }
    }
}

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
    int kq = (K + KB - 1) / KB * (KB / 4); // vec4s per tap in wp
    int ix0 = ox0 * S - P;

    // accQ[p] holds channels k0+4Q..k0+4Q+3 of column ox0+p.
    vec4 acc0[PB], acc1[PB], acc2[PB], acc3[PB];
    for (int p = 0; p < PB; p++) { acc0[p] = vec4(0.0); acc1[p] = vec4(0.0); acc2[p] = vec4(0.0); acc3[p] = vec4(0.0); }
    for (int c = 0; c < C; c++) {
        for (int i = 0; i < KH; i++) {
            int iy = oy * S - P + i;
            bool rowIn = iy >= 0 && iy < H;
            int xrow = ((n * C + c) * H + clamp(iy, 0, H - 1)) * W;
            int tap = (c * KH + i) * KW;
            float xv[PB];
#if S1
            // Stride 1: a window sliding along the row, one new x per tap.
            for (int p = 1; p < PB; p++) xv[p] = xat(xrow, rowIn, ix0 + p - 1);
#endif
            for (int j = 0; j < KW; j++) {
#if S1
                for (int p = 0; p < PB - 1; p++) xv[p] = xv[p + 1];
                xv[PB - 1] = xat(xrow, rowIn, ix0 + PB - 1 + j);
#else
                for (int p = 0; p < PB; p++) xv[p] = xat(xrow, rowIn, ix0 + p * S + j);
#endif
                int wbase = (tap + j) * kq + k0 / 4;
                ACCUMULATE(acc0, wbase, xv)
#if KB > 4
                ACCUMULATE(acc1, wbase + 1, xv)
#endif
#if KB > 8
                ACCUMULATE(acc2, wbase + 2, xv)
#endif
#if KB > 12
                ACCUMULATE(acc3, wbase + 3, xv)
#endif
            }
        }
    }
    if (!live) return;
    store(n, oy, ox0, k0, acc0);
#if KB > 4
    store(n, oy, ox0, k0 + 4, acc1);
#endif
#if KB > 8
    store(n, oy, ox0, k0 + 8, acc2);
#endif
#if KB > 12
    store(n, oy, ox0, k0 + 12, acc3);
#endif
}
