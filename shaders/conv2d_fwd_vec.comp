// conv2d_fwd_vec.comp — 2-D convolution, forward, vec4 kernel for
// stride 1, 3x3, pad 1 and H*W a multiple of 4. Computes what
// conv2d_fwd.comp computes:
//
//   y[n,k,oy,ox] = b[k] + sum_{c,i,j} x[n,c, oy-1+i, ox-1+j] * w[k,c,i,j]
//
// Layouts (NCHW, row-major): x (N,C,H,W), b (K), y (N,K,H,W), read and
// written as vec4s of the flattened planes; the weights come packed by
// conv2d_pack.comp with the output channel innermost (layers:
// packForward): wp[(c*9 + tap)*Kp/4 + k/4][k%4], Kp = K rounded up to KB.
// Bindings: 0 x (read), 2 y (write), 3 b (read; only when HAS_BIAS is 1),
// 4 packed weights (read): a uniform block when WUBO is 1 (WN vec4s; on
// llvmpipe a uniform load is several times cheaper than a storage-buffer
// load), else a storage buffer. Parameters N, C, K, H, W (the shape: one
// program serves every plane size); defines WG, KB, PV, W4 (W % 4: the
// window rows' misalignments, compile-time constants, depend only on it),
// HAS_BIAS, WUBO, WN (only when WUBO; the bound range must back all WN
// vec4s, so the layers round the packed weights' buffer up and layers of
// different sizes share WN).
//
// One invocation computes KB output channels x PV vec4s of consecutive
// pixels of the flattened output plane (4*PV pixels, rows wrap), KB*4*PV
// accumulators in one array of PV vec4s per channel (PV <= 8). Per input
// channel and kernel row it loads the x window as aligned vec4s of the
// flattened input plane (the window's misalignment is a constant, as
// W % 4 is compiled in), zeroes vec4s outside the plane, and masks the
// left/right kernel columns where the pixel is on the image's first/last
// column; with those masks the flat window is exactly the zero-padded 2-D
// one. Lanes run over (n, pixel block); the channel block is
// gl_WorkGroupID.y. KB is 4, 8, 12 or 16.
// Dispatch gpu.Grid2(N*ceil(H*W/(4*PV)), ceil(K/KB)).
//
// conv2d_bwd_data_vec.comp is this kernel run on dy with the flipped,
// transposed weights (a stride-1 "same" convolution's input gradient is
// one).
#include "common.glsl"
#include "conv2d.glsl"
#ifndef KB
#define KB 8
#endif
#ifndef HAS_BIAS
#define HAS_BIAS 0
#endif
layout(local_size_x = WG) in;
#ifndef PV
#define PV 2
#endif
#ifndef WUBO
#define WUBO 0
#endif
#define HW (H * W)
#define HW4 (HW / 4)
layout(std430, binding = 0) readonly buffer X { vec4 xv4[]; };
layout(std430, binding = 2) writeonly buffer Y { vec4 yv4[]; };
#if HAS_BIAS
layout(std430, binding = 3) readonly buffer B { float b[]; };
#endif
// Packed weights wp[(c*9 + tap)*Kp/4 + k/4][k%4], Kp = K rounded up to KB.
#if WUBO
layout(std140, binding = 4) uniform WPU { vec4 wp[WN]; };
#else
layout(std430, binding = 4) readonly buffer WP { vec4 wp[]; };
#endif
uniform int N, C, K;
uniform int H, W; // the planes

// The x window of kernel row i for pixels p0..p0+4*PV-1 starts at flat
// position p0 + (i-1)*W - 1; OFF(i) is its offset in its first aligned
// vec4 (p0 is a multiple of 4, and & 3 is the remainder mod 4 of negative
// ints too, so only W4 = W % 4 counts), NV the vec4s loaded per row.
#define OFF(i) ((((i) - 1) * W4 - 1) & 3)
#define NVI(i) ((OFF(i) + 4 * PV + 2 + 3) / 4)
#define NV ((4 * PV + 2 + 3 + 3) / 4)

// ROW(i) loads kernel row i's window into win[] (plane vectors only,
// others zero): the vec4s at wq[i*NV + u] of the plane at base, zero
// where wi[i*NV + u] is 0 (both the same for every channel, set in
// main).
#define ROW(i) { \
    for (int u = 0; u < NVI(i); u++) { \
        vec4 v = xv4[base + wq[(i) * NV + u]]; \
        v = wi[(i) * NV + u] != 0 ? v : vec4(0.0); \
        win[4 * u] = v.x; win[4 * u + 1] = v.y; win[4 * u + 2] = v.z; win[4 * u + 3] = v.w; \
    } }

// ACC adds weight vec4 WI (4 channels) times the PV pixel vec4s XW into
// the channels' accumulator arrays A0..A3.
#define ACC(A0, A1, A2, A3, WI, XW) { vec4 wv = wp[WI]; for (int p = 0; p < PV; p++) { \
    A0[p] += wv.x * XW[p]; A1[p] += wv.y * XW[p]; A2[p] += wv.z * XW[p]; A3[p] += wv.w * XW[p]; } }

// ROWTAPS(I) adds kernel row I's three taps of channel c (written out per
// row so that every window index is a constant: an array indexed by a
// variable goes to memory on llvmpipe).
#define ROWTAPS(I) { \
    float win[4 * NV]; \
    ROW(I) \
    for (int j = 0; j < 3; j++) { \
        vec4 xw[PV]; \
        for (int p = 0; p < PV; p++) { \
            int t = OFF(I) + 4 * p + j; \
            xw[p] = vec4(win[t], win[t + 1], win[t + 2], win[t + 3]); \
            if (j == 0) xw[p] *= ml[p]; \
            if (j == 2) xw[p] *= mr[p]; \
        } \
        int wbase = (c * 9 + (I) * 3 + j) * kq + k0 / 4; \
        ACC4(wbase, xw) \
    } }

#define ACCG0(WB, XW) ACC(a0, a1, a2, a3, WB, XW)
#define ACCG1(WB, XW) ACC(a4, a5, a6, a7, WB + 1, XW)
#define ACCG2(WB, XW) ACC(a8, a9, a10, a11, WB + 2, XW)
#define ACCG3(WB, XW) ACC(a12, a13, a14, a15, WB + 3, XW)
#if KB > 12
#define ACC4(WB, XW) ACCG0(WB, XW) ACCG1(WB, XW) ACCG2(WB, XW) ACCG3(WB, XW)
#elif KB > 8
#define ACC4(WB, XW) ACCG0(WB, XW) ACCG1(WB, XW) ACCG2(WB, XW)
#elif KB > 4
#define ACC4(WB, XW) ACCG0(WB, XW) ACCG1(WB, XW)
#else
#define ACC4(WB, XW) ACCG0(WB, XW)
#endif

// storek writes channel k (if < K) of the pixel vec4s from p0 (those in
// the plane).
void storek(int n, int p0, int k, vec4 a[PV]) {
    if (k >= K) return;
#if HAS_BIAS
    float bv = b[k];
#else
    float bv = 0.0;
#endif
    int row = (n * K + k) * HW4 + p0 / 4;
    for (int p = 0; p < PV; p++) {
        if (p0 + 4 * p < HW) yv4[row + p] = a[p] + bv;
    }
}
#define STOREQ(K0, A0, A1, A2, A3) storek(n, p0, K0, A0); storek(n, p0, K0 + 1, A1); storek(n, p0, K0 + 2, A2); storek(n, p0, K0 + 3, A3);

void main() {
    int PBN = (HW4 + PV - 1) / PV; // pixel blocks per plane
    int total = N * PBN;
    int g = int(gl_GlobalInvocationID.x);
    bool live = g < total;
    g = min(g, total - 1);
    ivec2 npb = divmod(g, PBN);
    int n = npb.x, pb = npb.y;
    int p0 = pb * 4 * PV;
    int k0 = int(gl_WorkGroupID.y) * KB;
    int kq = (K + KB - 1) / KB * (KB / 4); // vec4s per tap in wp

    // Column masks: left taps (j = 0) vanish on column 0, right taps
    // (j = 2) on column W-1. ox is the column of pixel p0 + 4p + e,
    // counted on from p0's.
    vec4 ml[PV], mr[PV];
    int ox = divmod(p0, W).y;
    for (int p = 0; p < PV; p++) {
        for (int e = 0; e < 4; e++) {
            ml[p][e] = ox == 0 ? 0.0 : 1.0;
            mr[p][e] = ox == W - 1 ? 0.0 : 1.0;
            ox = ox == W - 1 ? 0 : ox + 1;
        }
    }

    // Channel k0+u accumulates in a<u>[PV] (arrays of 4*PV <= 32 floats).
    vec4 a0[PV], a1[PV], a2[PV], a3[PV], a4[PV], a5[PV], a6[PV], a7[PV];
    vec4 a8[PV], a9[PV], a10[PV], a11[PV], a12[PV], a13[PV], a14[PV], a15[PV];
    for (int p = 0; p < PV; p++) {
        a0[p] = vec4(0.0); a1[p] = vec4(0.0); a2[p] = vec4(0.0); a3[p] = vec4(0.0);
        a4[p] = vec4(0.0); a5[p] = vec4(0.0); a6[p] = vec4(0.0); a7[p] = vec4(0.0);
        a8[p] = vec4(0.0); a9[p] = vec4(0.0); a10[p] = vec4(0.0); a11[p] = vec4(0.0);
        a12[p] = vec4(0.0); a13[p] = vec4(0.0); a14[p] = vec4(0.0); a15[p] = vec4(0.0);
    }
    // Row i's window vec4 u is q = a + u of the plane, the same for every
    // channel: whether it is in the plane (wi, 1 or 0; one unsigned
    // compare) and the vec4 to load (wq: q, or 0 when outside, where the
    // value is dropped). wi is not a bool array: zink on lavapipe (Mesa
    // 22.3) fails to build the pipeline with one.
    int wq[3 * NV];
    int wi[3 * NV];
    for (int i = 0; i < 3; i++) {
        int a = (p0 + (i - 1) * W - 1 - OFF(i)) >> 2;
        for (int u = 0; u < NV; u++) {
            int q = a + u;
            bool inp = uint(q) < uint(HW4);
            wi[i * NV + u] = inp ? 1 : 0;
            wq[i * NV + u] = inp ? q : 0;
        }
    }
    for (int c = 0; c < C; c++) {
        int base = (n * C + c) * HW4;
        ROWTAPS(0)
        ROWTAPS(1)
        ROWTAPS(2)
    }
    if (!live) return;
    STOREQ(k0, a0, a1, a2, a3)
#if KB > 4
    STOREQ(k0 + 4, a4, a5, a6, a7)
#endif
#if KB > 8
    STOREQ(k0 + 8, a8, a9, a10, a11)
#endif
#if KB > 12
    STOREQ(k0 + 12, a12, a13, a14, a15)
#endif
}
