// conv2d_bwd_data.comp — 2-D convolution, input gradient:
//
//   dx[n,c,iy,ix] = sum_{k,i,j} w[k,c,i,j] * dy[n,k,oy,ox]
//                   over oy = (iy+P-i)/S, ox = (ix+P-j)/S where the division
//                   is exact and 0 <= oy < OH, 0 <= ox < OW.
//
// Layouts (NCHW, row-major): dy (N,K,OH,OW), w (K,C,KH,KW), dx (N,C,H,W).
// Bindings: 0 dy (read), 1 w (read), 2 dx (write; overwritten, not
// accumulated). Shapes are uniforms; WG, BLOCKED, CB, PB are defines.
//
// Versions:
//   BLOCKED 0 (direct): one invocation computes one dx element.
//     Dispatch gpu.Grid1(N*C*H*W).
//   BLOCKED 1 (register-blocked): one invocation computes CB input channels
//     x PB consecutive input columns of one input row (CB*PB accumulators),
//     so each dy value loaded feeds CB FMAs and each weight PB. Lanes run
//     over (n, iy, column block); the channel block is gl_WorkGroupID.y, so
//     weight addresses are uniform across the workgroup. Dispatch
//     gpu.Grid2(N*H*ceil(W/PB), ceil(C/CB)). As in conv2d_fwd, loads use
//     clamped indices and selects, and only the store is guarded.
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
layout(local_size_x = WG) in;
layout(std430, binding = 0) readonly buffer DY { float dy[]; };
layout(std430, binding = 1) readonly buffer Wt { float w[]; };
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
    int wk = C * KH * KW; // stride between output channels in w

    float acc[CB * PB];
    for (int q = 0; q < CB * PB; q++) acc[q] = 0.0;
    for (int k = 0; k < K; k++) {
        for (int i = 0; i < KH; i++) {
            int ty = iy + P - i;
            int oy = max(ty, 0) / S;
            bool rowIn = ty >= 0 && oy * S == ty && oy < OH;
            int dyrow = ((n * K + k) * OH + min(oy, OH - 1)) * OW;
            int wrow = k * wk + i * KW;
            for (int j = 0; j < KW; j++) {
                float dv[PB];
                for (int p = 0; p < PB; p++) {
                    int tx = ix0 + p + P - j;
                    int ox = max(tx, 0) / S;
                    float v = dy[dyrow + min(ox, OW - 1)];
                    dv[p] = (rowIn && tx >= 0 && ox * S == tx && ox < OW) ? v : 0.0;
                }
                for (int cb = 0; cb < CB; cb++) {
                    float wv = w[wrow + min(c0 + cb, C - 1) * KH * KW + j];
                    for (int p = 0; p < PB; p++) acc[cb * PB + p] += wv * dv[p];
                }
            }
        }
    }
    if (!live) return;
    for (int cb = 0; cb < CB; cb++) {
        int c = c0 + cb;
        for (int p = 0; p < PB; p++) {
            int ix = ix0 + p;
            if (c < C && ix < W) dx[((n * C + c) * H + iy) * W + ix] = acc[cb * PB + p];
        }
    }
}
#endif
