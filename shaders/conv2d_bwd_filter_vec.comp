// conv2d_bwd_filter_vec.comp — 2-D convolution, weight gradient, vec4
// kernel for stride 1, 3x3, pad 1 and H*W a multiple of 4, two-stage.
// Computes what conv2d_bwd_filter.comp computes, over batch slices:
//
//   dw[k,c,i,j] += sum_{n,oy,ox} x[n,c, oy-1+i, ox-1+j] * dy[n,k,oy,ox]
//
// No atomics: every sum runs in a fixed order.
//
// Layouts (NCHW, row-major): x (N,C,H,W) and dy (N,K,H,W), read as vec4s
// of the flattened planes; dw (K,C,3,3); partial (NS, K, C*9).
// Bindings: 0 x (read), 1 dy (read), 2 dst: dw (+=) when accum is 1 (a
// single slice), else partial (=), added into dw in order by
// reduce_slices.comp. Parameters N, C, K, H, W (the shape: one program
// serves every plane size), SL (samples per slice), NS (slices), accum;
// defines WG, KB, W4 (W % 4: the x windows' misalignments, compile-time
// constants, depend only on it).
//
// One invocation owns KB output channels x all 9 taps of one input channel
// (three arrays of KB*3 <= 24 accumulators, one per kernel row) and sums
// over one batch slice of SL samples, walking the flattened output plane 4
// pixels at a time: per step KB vec4 dy loads and, per kernel row, one new
// aligned vec4 of the x window, which slides along the flattened input
// plane (vec4s outside the plane read as zero; the left/right kernel
// columns are masked on the image's first/last column, which makes the
// flat window the zero-padded 2-D one) — 72*4 multiply-adds per 11 vec4
// loads. Lanes run over (slice, c); the channel block is gl_WorkGroupID.y.
// Dispatch gpu.Grid2(NS*C, ceil(K/KB)).
#include "common.glsl"
#ifndef KB
#define KB 8
#endif
layout(local_size_x = WG) in;
#define HW (H * W)
#define HW4 (HW / 4)
layout(std430, binding = 0) readonly buffer X { vec4 xv4[]; };
layout(std430, binding = 1) readonly buffer DY { vec4 dyv4[]; };
layout(std430, binding = 2) buffer DST { float dst[]; };
uniform int N, C, K;
uniform int H, W;  // the planes
uniform int SL;    // samples per slice
uniform int NS;    // slices
uniform int accum; // 1: dst is dw, add; 0: dst is the slice's partial sums

// The x window of kernel row i for pixels 4v..4v+3 is the 6 floats from
// flat position 4v + (i-1)*W - 1: float OFF(i) of aligned vec4 v + AL(i)
// and the next NF(i)-1 vec4s. OFF and NF are constants: & 3 is the
// remainder mod 4 of negative ints too, so only W4 = W % 4 counts.
#define OFF(i) ((((i) - 1) * W4 - 1) & 3)
#define AL(i) ((((i) - 1) * W - 1 - OFF(i)) >> 2)
#define NF(i) ((OFF(i) + 6 + 3) / 4)

// xload is aligned vec4 q of the plane at base, zero outside the plane.
vec4 xload(int base, int q) {
    vec4 v = xv4[base + clamp(q, 0, HW4 - 1)];
    return (q >= 0 && q < HW4) ? v : vec4(0.0);
}

// TAPS adds, for kernel row I (window vec4s R, accumulators A), the three
// taps of every channel: A[kb*3 + j] += dy[kb] . x(window shifted by j).
#define TAPS(I, R, A) { \
    float wn[12] = float[12](R[0].x, R[0].y, R[0].z, R[0].w, R[1].x, R[1].y, R[1].z, R[1].w, R[2].x, R[2].y, R[2].z, R[2].w); \
    vec4 x0 = vec4(wn[OFF(I)], wn[OFF(I) + 1], wn[OFF(I) + 2], wn[OFF(I) + 3]) * ml; \
    vec4 x1 = vec4(wn[OFF(I) + 1], wn[OFF(I) + 2], wn[OFF(I) + 3], wn[OFF(I) + 4]); \
    vec4 x2 = vec4(wn[OFF(I) + 2], wn[OFF(I) + 3], wn[OFF(I) + 4], wn[OFF(I) + 5]) * mr; \
    for (int kb = 0; kb < KB; kb++) { \
        A[kb * 3] += dot(d[kb], x0); A[kb * 3 + 1] += dot(d[kb], x1); A[kb * 3 + 2] += dot(d[kb], x2); \
    } }

// SLIDE loads row I's newest window vec4 for step v into R[NF(I)-1].
#define SLIDE(I, R) R[NF(I) - 1] = xload(xb, v + AL(I) + NF(I) - 1);
#define SHIFT(R) { R[0] = R[1]; R[1] = R[2]; }

void main() {
    int r = int(gl_GlobalInvocationID.x);
    bool live = r < NS * C;
    r = min(r, NS * C - 1);
    int s = r / C;
    int c = r - s * C;
    int k0 = int(gl_WorkGroupID.y) * KB;
    int n1 = min(N, (s + 1) * SL);

    // Channel k0+kb, kernel row i, column j accumulates in acc<i>[kb*3+j]:
    // three arrays of KB*3 <= 24 floats (llvmpipe registers).
    float acc0[KB * 3], acc1[KB * 3], acc2[KB * 3];
    for (int q = 0; q < KB * 3; q++) { acc0[q] = 0.0; acc1[q] = 0.0; acc2[q] = 0.0; }
    int kc[KB];
    for (int kb = 0; kb < KB; kb++) kc[kb] = min(k0 + kb, K - 1) * HW4;
    for (int n = s * SL; n < n1; n++) {
        int xb = (n * C + c) * HW4;
        int db = n * K * HW4;
        vec4 r0[3], r1[3], r2[3];
        r0[2] = vec4(0.0); r1[2] = vec4(0.0); r2[2] = vec4(0.0);
        for (int u = 0; u < NF(0) - 1; u++) r0[u] = xload(xb, AL(0) + u);
        for (int u = 0; u < NF(1) - 1; u++) r1[u] = xload(xb, AL(1) + u);
        for (int u = 0; u < NF(2) - 1; u++) r2[u] = xload(xb, AL(2) + u);
        int ox = 0; // column of pixel 4v
        for (int v = 0; v < HW4; v++) {
            vec4 d[KB];
            for (int kb = 0; kb < KB; kb++) d[kb] = dyv4[db + kc[kb] + v];
            vec4 oxs = vec4(ox, ox + 1, ox + 2, ox + 3);
            oxs -= vec4(greaterThanEqual(oxs, vec4(W))) * float(W);
            // Left taps vanish on column 0, right taps on column W-1.
            vec4 ml = vec4(notEqual(oxs, vec4(0.0)));
            vec4 mr = vec4(notEqual(oxs, vec4(W - 1)));
            ox += 4;
            ox -= ox >= W ? W : 0;
            SLIDE(0, r0) SLIDE(1, r1) SLIDE(2, r2)
            TAPS(0, r0, acc0)
            TAPS(1, r1, acc1)
            TAPS(2, r2, acc2)
            SHIFT(r0) SHIFT(r1) SHIFT(r2)
        }
    }
    if (!live) return;
    int taps = C * 9;
    for (int kb = 0; kb < KB; kb++) {
        int k = k0 + kb;
        if (k >= K) break;
        for (int q = 0; q < 9; q++) {
            int e = (k * C + c) * 9 + q;
            float v = q < 3 ? acc0[kb * 3 + q] : q < 6 ? acc1[kb * 3 + q - 3] : acc2[kb * 3 + q - 6];
            if (accum != 0) dst[e] += v;
            else dst[s * K * taps + e] = v;
        }
    }
}
