// conv2d_fwd.comp — 2-D convolution, forward (PyTorch Conv2d, groups=1,
// dilation=1):
//
//   y[n,k,oy,ox] = b[k] + sum_{c,i,j} x[n,c, oy*S-P+i, ox*S-P+j] * w[k,c,i,j]
//
// where input positions outside the image read as zero.
//
// Layouts (NCHW, row-major): x (N,C,H,W), w (K,C,KH,KW), b (K), y (N,K,OH,OW).
// Bindings: 0 x (read), 1 w (read, direct only), 2 y (write), 3 b (read,
// only when HAS_BIAS is 1), 4 packed weights (blocked only). Shapes are
// uniforms; WG, BLOCKED, KB, PB, S1, HAS_BIAS are defines.
//
// Versions:
//   BLOCKED 0 (direct): one invocation computes one y element.
//     Dispatch gpu.Grid1(N*K*OH*OW).
//   BLOCKED 1 (register-blocked): one invocation computes KB output channels
//     x PB consecutive output columns of one output row, KB*PB accumulators in
//     registers, so each x value loaded feeds KB FMAs and each weight PB.
//     Weights come packed (binding 4, conv2d_pack.comp mode 0) so the KB
//     weights of a tap are KB/4 aligned vec4 loads. With S1 (stride 1) the
//     PB inputs of a row slide along it: one new x load per tap. Lanes run
//     over (n, oy, column block), the channel block is gl_WorkGroupID.y.
//     Dispatch gpu.Grid2(N*OH*ceil(OW/PB), ceil(K/KB)); KB is 4, 8, 12 or 16
//     and KB*PB at most 64 floats of accumulators.
//     Why: on llvmpipe (Mesa 22) every SSBO load costs about 20 FMAs —
//     a per-lane, bounds-checked loop, even for uniform addresses — so the
//     kernel maximises FMAs per load. Out-of-range lanes, rows and columns
//     compute on clamped indices and only the store is guarded.
//   BLOCKED 2 (vec, stride 1, 3x3, pad 1, H*W a multiple of 4): one
//     invocation computes KB output channels x PV vec4s of consecutive
//     pixels of the flattened output plane (4*PV pixels, rows wrap), KB*4*PV
//     accumulators in one array of PV vec4s per channel (PV <= 8). Per
//     input channel and kernel row it loads the x window as aligned vec4s of
//     the flattened input plane (the window's misalignment is a constant:
//     H and W are the defines HD, WD), zeroes vec4s outside the plane, and
//     masks the left/right kernel columns where the pixel is on the image's
//     first/last column; with those masks the flat window is exactly the
//     zero-padded 2-D one. y is stored as vec4s. Weights come packed as in
//     BLOCKED 1 (K padded to KB), from a uniform block when WUBO is 1 (WN
//     vec4s; on llvmpipe a uniform load is several times cheaper than a
//     storage-buffer load), else from a storage buffer; binding 4 either way.
//     Uniforms N, C, K only. Lanes run over (n, pixel block), the channel
//     block is gl_WorkGroupID.y. Dispatch gpu.Grid2(N*ceil(H*W/(4*PV)),
//     ceil(K/KB)); KB is 4, 8, 12 or 16. conv2d_bwd_data BLOCKED 2 is this
//     kernel run on dy with the flipped, transposed weights (a stride-1
//     "same" convolution's input gradient is one).
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
#ifndef S1
#define S1 0
#endif
#ifndef HAS_BIAS
#define HAS_BIAS 0
#endif
layout(local_size_x = WG) in;
#if BLOCKED == 2
// ---- BLOCKED 2 (vec) ----
#ifndef PV
#define PV 2
#endif
#ifndef WUBO
#define WUBO 0
#endif
#define HW (HD * WD)
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

// The x window of kernel row i for pixels p0..p0+4*PV-1 starts at flat
// position p0 + (i-1)*WD - 1; OFF(i) is its offset in its first aligned
// vec4, NV the vec4s loaded per row.
#define OFF(i) ((((i) - 1) * WD - 1) & 3)
#define NVI(i) ((OFF(i) + 4 * PV + 2 + 3) / 4)
#define NV ((4 * PV + 2 + 3 + 3) / 4)

// ROW(i) loads kernel row i's window into win[] (plane vectors only,
// others zero).
#define ROW(i) { \
    int a = (p0 + ((i) - 1) * WD - 1 - OFF(i)) >> 2; \
    for (int u = 0; u < NVI(i); u++) { \
        int q = a + u; \
        vec4 v = xv4[base + clamp(q, 0, HW4 - 1)]; \
        v = (q >= 0 && q < HW4) ? v : vec4(0.0); \
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
    int pb = g % PBN;
    int n = g / PBN;
    int p0 = pb * 4 * PV;
    int k0 = int(gl_WorkGroupID.y) * KB;
    int kq = (K + KB - 1) / KB * (KB / 4); // vec4s per tap in wp

    // Column masks: left taps (j = 0) vanish on column 0, right taps
    // (j = 2) on column WD-1.
    vec4 ml[PV], mr[PV];
    for (int p = 0; p < PV; p++) {
        for (int e = 0; e < 4; e++) {
            int ox = (p0 + 4 * p + e) % WD;
            ml[p][e] = ox == 0 ? 0.0 : 1.0;
            mr[p][e] = ox == WD - 1 ? 0.0 : 1.0;
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
#else
layout(std430, binding = 0) readonly buffer X { float x[]; };
#if BLOCKED == 0
layout(std430, binding = 1) readonly buffer Wt { float w[]; };
#endif
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
// Packed weights, vec4 over output channels: wp[(c*KH+i)*KW+j][k], K padded
// to a multiple of KB with zeros (conv2d_pack.comp, mode 0).
layout(std430, binding = 4) readonly buffer WP { vec4 wp[]; };

// xat is x[row + ix] for 0 <= ix < W and rowIn, else 0, without a branch.
float xat(int row, bool rowIn, int ix) {
    float v = x[row + clamp(ix, 0, W - 1)];
    return (rowIn && ix >= 0 && ix < W) ? v : 0.0;
}

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

    // accQ[p] holds channels k0+4Q..k0+4Q+3 of column ox0+p. Separate arrays
    // of at most 32 floats: llvmpipe keeps those in registers but moves
    // larger arrays to memory (measured: 6x slower).
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
#endif
#endif // BLOCKED == 2
