// conv2d_bwd_filter.comp — 2-D convolution, weight gradient, accumulated:
//
//   dw[k,c,i,j] += sum_{n,oy,ox} x[n,c, oy*S-P+i, ox*S-P+j] * dy[n,k,oy,ox]
//
// where input positions outside the image read as zero. No atomics: every
// sum runs in a fixed order, so results are deterministic.
//
// Layouts (NCHW, row-major): x (N,C,H,W), dy (N,K,OH,OW), dw (K,C,KH,KW).
// Bindings: 0 x (read), 1 dy (read), 2 dst. Shapes are uniforms; WG,
// BLOCKED, KB, JB, S1, DYV are defines.
//
// Versions:
//   BLOCKED 0 (direct): one invocation owns one dw element and sums over the
//     samples [N0, N1); dst is dw (+=). Dispatch gpu.Grid1(K*C*KH*KW) once per
//     batch slice, in order (llvmpipe ends any invocation's loops after
//     65535 iterations, so no invocation may sum a whole large batch).
//   BLOCKED 1 (register-blocked, two-stage): one invocation owns KB output
//     channels x JB taps (c, i, j0..j0+JB-1) of a kernel row and sums over
//     one batch slice of SL samples, KB*JB accumulators in registers
//     (two arrays of at most 32 floats: KB*JB <= 64). With
//     S1 (stride 1) the JB inputs slide along the row: one new x load per
//     output pixel. With DYV = 4 or 2 (OW a multiple of it) dy is read as
//     vectors of DYV output columns (binding 3: dy again). Lanes run over
//     (slice, c, i, j block) — slices in lanes fill the SIMD width when C
//     is small — and the channel block is gl_WorkGroupID.y.
//     With accum = 1 (a single slice) dst is dw (+=); else dst is partial
//     (slices, K, C*KH*KW) (=) and reduce_slices.comp adds the slices into
//     dw in order. Dispatch gpu.Grid2(NS*C*KH*ceil(KW/JB), ceil(K/KB)),
//     NS = ceil(N/SL), local size (WG,1,1). See conv2d_fwd for why loads are
//     counted so carefully on llvmpipe.
//   BLOCKED 2 (vec, stride 1, 3x3, pad 1, H*W a multiple of 4; H, W are
//     the defines HD, WD): one invocation owns KB output channels x all 9
//     taps of one input channel (three arrays of KB*3 <= 24 accumulators,
//     one per kernel row) and sums over one batch slice of SL samples,
//     walking the flattened output plane 4 pixels at a time: per step KB
//     vec4 dy loads and, per kernel row, one new aligned vec4 of the x
//     window, which slides along the flattened input plane (vec4s outside
//     the plane read as zero; the left/right kernel columns are masked on
//     the image's first/last column, which makes the flat window the
//     zero-padded 2-D one) — 72*4 multiply-adds per 11 vec4 loads. Lanes
//     run over (slice, c); the channel block is gl_WorkGroupID.y. Uniforms
//     N, C, K, SL, NS, accum; slices and dst as in BLOCKED 1. Dispatch
//     gpu.Grid2(NS*C, ceil(K/KB)).
#include "common.glsl"
#ifndef BLOCKED
#define BLOCKED 0
#endif
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
#if BLOCKED == 2
// ---- BLOCKED 2 (vec) ----
#define HW (HD * WD)
#define HW4 (HW / 4)
layout(std430, binding = 0) readonly buffer X { vec4 xv4[]; };
layout(std430, binding = 1) readonly buffer DY { vec4 dyv4[]; };
layout(std430, binding = 2) buffer DST { float dst[]; };
uniform int N, C, K;
uniform int SL;    // samples per slice
uniform int NS;    // slices
uniform int accum; // 1: dst is dw, add; 0: dst is the slice's partial sums

// The x window of kernel row i for pixels 4v..4v+3 is the 6 floats from
// flat position 4v + (i-1)*WD - 1: float OFF(i) of aligned vec4 v + AL(i)
// and the next NF(i)-1 vec4s.
#define OFF(i) ((((i) - 1) * WD - 1) & 3)
#define AL(i) ((((i) - 1) * WD - 1 - OFF(i)) >> 2)
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
            oxs -= vec4(greaterThanEqual(oxs, vec4(WD))) * float(WD);
            // Left taps vanish on column 0, right taps on column WD-1.
            vec4 ml = vec4(notEqual(oxs, vec4(0.0)));
            vec4 mr = vec4(notEqual(oxs, vec4(WD - 1)));
            ox += 4;
            ox -= ox >= WD ? WD : 0;
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
#else
layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) readonly buffer DY { float dy[]; };
layout(std430, binding = 2) buffer DST { float dst[]; };
uniform int N, C, H, W, K, KH, KW, S, P, OH, OW;

#if BLOCKED == 0
uniform int N0, N1;
void main() {
    uint g = gid();
    if (g >= uint(K * C * KH * KW)) return;
    int t = int(g);
    int j = t % KW; t /= KW;
    int i = t % KH; t /= KH;
    int c = t % C;
    int k = t / C;
    float acc = 0.0;
    for (int n = N0; n < N1; n++) {
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

// xat is x[row + ix] for 0 <= ix < W and rowIn, else 0, without a branch.
float xat(int row, bool rowIn, int ix) {
    float v = x[row + clamp(ix, 0, W - 1)];
    return (rowIn && ix >= 0 && ix < W) ? v : 0.0;
}

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
    // llvmpipe keeps in registers (see conv2d_fwd).
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
#endif
#endif // BLOCKED == 2
