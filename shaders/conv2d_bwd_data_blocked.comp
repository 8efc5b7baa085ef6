// conv2d_bwd_data_blocked.comp — 2-D convolution, input gradient,
// register-blocked. Computes what conv2d_bwd_data.comp computes:
//
//   dx[n,c,iy,ix] = sum_{k,i,j} w[k,c,i,j] * dy[n,k,oy,ox]
//                   over oy = (iy+P-i)/S, ox = (ix+P-j)/S where the division
//                   is exact and 0 <= oy < OH, 0 <= ox < OW.
//
// Layouts (NCHW, row-major): dy (N,K,OH,OW), dx (N,C,H,W); the weights come
// packed by conv2d_pack.comp with the input channel innermost (layers:
// packInput): wp[(k*KH + i)*KW + j][c], C padded to a multiple of CB with
// zeros, so the CB weights of a tap are CB/4 aligned vec4 loads.
// Bindings: 0 dy (read), 2 dx (write; overwritten), 3 packed weights
// (read). Parameters N, C, H, W, K, KH, KW, S, P, OH, OW; defines WG, CB,
// PB, S1.
//
// One invocation computes CB input channels x PB consecutive input columns
// of one input row (CB*PB accumulators), so each dy value loaded feeds CB
// FMAs and each weight PB. With S1 (stride 1) the PB dy values of a row
// slide along it: one new load per tap. Lanes run over (n, iy, column
// block); the channel block is gl_WorkGroupID.y. CB is 4, 8, 12 or 16.
// Loads use clamped indices and selects, only the store is guarded
// (conv2d.glsl says why).
// Dispatch gpu.Grid2(N*H*ceil(W/PB), ceil(C/CB)).
#include "common.glsl"
#include "conv2d.glsl"
#ifndef CB
#define CB 8
#endif
#ifndef PB
#define PB 4
#endif
#ifndef S1
#define S1 0
#endif
layout(local_size_x = WG) in;
layout(std430, binding = 0) readonly buffer DY { float dy[]; };
layout(std430, binding = 2) writeonly buffer DX { float dx[]; };
layout(std430, binding = 3) readonly buffer WP { vec4 wp[]; };
uniform int N, C, H, W, K, KH, KW, S, P, OH, OW;

// dyat(row, rowIn, ox) is dy[row + ox] inside the output plane, else 0.
CLAMPED_LOAD(dyat, dy, OW)

// ACCUMULATE adds the four channels of packed weight vec4 WI times the PB
// dy values DV into the accumulator array A.
#define ACCUMULATE(A, WI, DV) { vec4 wv = wp[WI]; for (int p = 0; p < PB; p++) A[p] += wv * DV[p]; }

// store writes channels c..c+3 (those < C) of columns ix0.. (those < W).
void store(int n, int iy, int ix0, int c, vec4 a[PB]) {
    for (int u = 0; u < 4; u++) {
        if (c + u >= C) return;
        int row = ((n * C + c + u) * H + iy) * W;
        for (int p = 0; p < PB; p++) {
            if (ix0 + p < W) dx[row + ix0 + p] = a[p][u];
        }
    }
}

void main() {
    int WB = (W + PB - 1) / PB;
    int total = N * H * WB;
    int g = int(gl_GlobalInvocationID.x);
    bool live = g < total;
    g = min(g, total - 1);
    int wb = g % WB; g /= WB;
    int iy = g % H;
    int n = g / H;
    int c0 = int(gl_WorkGroupID.y) * CB;
    int ix0 = wb * PB;
    int cq = (C + CB - 1) / CB * (CB / 4); // vec4s per tap in wp

    // accQ[p] holds channels c0+4Q..c0+4Q+3 of column ix0+p.
    vec4 acc0[PB], acc1[PB], acc2[PB], acc3[PB];
    for (int p = 0; p < PB; p++) { acc0[p] = vec4(0.0); acc1[p] = vec4(0.0); acc2[p] = vec4(0.0); acc3[p] = vec4(0.0); }
    for (int k = 0; k < K; k++) {
        for (int i = 0; i < KH; i++) {
            int ty = iy + P - i;
            int oy = max(ty, 0) / S;
            bool rowIn = ty >= 0 && oy * S == ty && oy < OH;
            int dyrow = ((n * K + k) * OH + min(oy, OH - 1)) * OW;
            int tap = (k * KH + i) * KW;
            float dv[PB];
#if S1
            // Stride 1: dx column ix0+p takes dy column ix0+p+P-j. Walking j
            // down from KW-1, the PB columns slide right by one per tap.
            int b0 = ix0 + P - KW + 1;
            for (int p = 1; p < PB; p++) dv[p] = dyat(dyrow, rowIn, b0 + p - 1);
            for (int m = 0; m < KW; m++) {
                int j = KW - 1 - m;
                for (int p = 0; p < PB - 1; p++) dv[p] = dv[p + 1];
                dv[PB - 1] = dyat(dyrow, rowIn, b0 + PB - 1 + m);
#else
            for (int j = 0; j < KW; j++) {
                for (int p = 0; p < PB; p++) {
                    int tx = ix0 + p + P - j;
                    int ox = max(tx, 0) / S;
                    float v = dyat(dyrow, rowIn, ox);
                    dv[p] = (tx >= 0 && ox * S == tx) ? v : 0.0;
                }
#endif
                int wbase = (tap + j) * cq + c0 / 4;
                ACCUMULATE(acc0, wbase, dv)
#if CB > 4
                ACCUMULATE(acc1, wbase + 1, dv)
#endif
#if CB > 8
                ACCUMULATE(acc2, wbase + 2, dv)
#endif
#if CB > 12
                ACCUMULATE(acc3, wbase + 3, dv)
#endif
            }
        }
    }
    if (!live) return;
    store(n, iy, ix0, c0, acc0);
#if CB > 4
    store(n, iy, ix0, c0 + 4, acc1);
#endif
#if CB > 8
    store(n, iy, ix0, c0 + 8, acc2);
#endif
#if CB > 12
    store(n, iy, ix0, c0 + 12, acc3);
#endif
}
