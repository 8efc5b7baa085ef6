// conv2d_bwd_data.comp — 2-D convolution, input gradient:
//
//   dx[n,c,iy,ix] = sum_{k,i,j} w[k,c,i,j] * dy[n,k,oy,ox]
//                   over oy = (iy+P-i)/S, ox = (ix+P-j)/S where the division
//                   is exact and 0 <= oy < OH, 0 <= ox < OW.
//
// Layouts (NCHW, row-major): dy (N,K,OH,OW), w (K,C,KH,KW), dx (N,C,H,W).
// Bindings: 0 dy (read), 1 w (read, direct only), 2 dx (write; overwritten,
// not accumulated), 3 packed weights (blocked only). Shapes are uniforms;
// WG, BLOCKED, CB, PB, S1 are defines.
//
// Versions:
//   BLOCKED 0 (direct): one invocation computes one dx element.
//     Dispatch gpu.Grid1(N*C*H*W).
//   BLOCKED 1 (register-blocked): one invocation computes CB input channels
//     x PB consecutive input columns of one input row (CB*PB accumulators),
//     so each dy value loaded feeds CB FMAs and each weight PB. Weights come
//     packed (binding 3, conv2d_pack.comp mode 1): the CB weights of a tap
//     are CB/4 aligned vec4 loads. With S1 (stride 1) the PB dy values of a
//     row slide along it: one new load per tap. Lanes run over (n, iy,
//     column block); the channel block is gl_WorkGroupID.y. Dispatch
//     gpu.Grid2(N*H*ceil(W/PB), ceil(C/CB)); CB is 4, 8, 12 or 16. As in
//     conv2d_fwd (see why there), loads use clamped indices and selects,
//     and only the store is guarded.
//   BLOCKED 2 (vec, stride 1, 3x3, pad 1, H*W a multiple of 4): the input
//     gradient of such a convolution is a convolution of dy with the
//     weights transposed (C <-> K) and flipped (tap t -> 8-t), so this is
//     conv2d_fwd's BLOCKED 2 kernel, run with the weights packed by
//     conv2d_pack.comp mode 2 and the uniforms C = K (dy channels), K = C
//     (dx channels). Bindings as there: 0 dy, 2 dx, 4 packed weights.
#if defined(BLOCKED) && BLOCKED == 2
#include "conv2d_fwd.comp"
#else
#include "common.glsl"
#ifndef BLOCKED
#define BLOCKED 0
#endif
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
#if BLOCKED == 0
layout(std430, binding = 1) readonly buffer Wt { float w[]; };
#endif
layout(std430, binding = 2) writeonly buffer DX { float dx[]; };
uniform int N, C, H, W, K, KH, KW, S, P, OH, OW;

#if BLOCKED == 0
void main() {
    uint g = gid();
    if (g >= uint(N * C * H * W)) return;
    int t = int(g);
    int ix = t % W; t /= W;
    int iy = t % H; t /= H;
    int c = t % C;
    int n = t / C;
    float acc = 0.0;
    for (int k = 0; k < K; k++) {
        for (int i = 0; i < KH; i++) {
            int ty = iy + P - i;
            if (ty < 0 || ty % S != 0 || ty / S >= OH) continue;
            int dyrow = ((n * K + k) * OH + ty / S) * OW;
            int wrow = ((k * C + c) * KH + i) * KW;
            for (int j = 0; j < KW; j++) {
                int tx = ix + P - j;
                if (tx < 0 || tx % S != 0 || tx / S >= OW) continue;
                acc += dy[dyrow + tx / S] * w[wrow + j];
            }
        }
    }
    dx[g] = acc;
}
#else
// Packed weights, vec4 over input channels: wp[(k*KH+i)*KW+j][c], C padded
// to a multiple of CB with zeros (conv2d_pack.comp, mode 1).
layout(std430, binding = 3) readonly buffer WP { vec4 wp[]; };

// dyat is dy[row + ox] for 0 <= ox < OW and rowIn, else 0, without a branch.
float dyat(int row, bool rowIn, int ox) {
    float v = dy[row + clamp(ox, 0, OW - 1)];
    return (rowIn && ox >= 0 && ox < OW) ? v : 0.0;
}

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

    // accQ[p] holds channels c0+4Q..c0+4Q+3 of column ix0+p (arrays of at
    // most 32 floats: see conv2d_fwd).
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
#endif
#endif // BLOCKED == 2
