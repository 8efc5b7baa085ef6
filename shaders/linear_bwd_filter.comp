// linear_bwd_filter.comp — fully connected layer, weight gradient, accumulated:
//
//   dw[o,i] += sum_n dy[n,o] * x[n,i]     (dW += dy^T x)
//
// No atomics: each sum runs in a fixed order.
//
// Layouts (row-major): x (N,In), w (Out,In) as PyTorch Linear, y and dy
// (N,Out), dw (Out,In).
// Bindings: 0 dy (read), 1 x (read), 2 dw (read-write).
// Uniforms N, In, Out; defines WG, BLOCKED, TM, TN.
//
// The product is a small GEMM: C[m,q] = sum_r A[m,r] * B[r,q] with
// m = o, q = i, r = n: A = dy^T, B = x; M = Out, Q = In, R = N.
//
// Versions:
//   BLOCKED 0 (direct): one invocation computes one C element.
//     Dispatch gpu.Grid1(M*Q).
//   BLOCKED 1 (register-blocked): one invocation computes a TM x TN tile of
//     C, TM*TN <= 32 accumulators in registers (llvmpipe keeps arrays up to
//     32 floats there), so each reduction step loads TM+TN values for
//     TM*TN FMAs. Indices are clamped and only the store is guarded (see
//     conv2d_fwd.comp for why). Dispatch gpu.Grid1(ceil(M/TM)*ceil(Q/TN)).
//   BLOCKED 2 (vec, In % 4 == 0; IN and OUT compiled in): one invocation
//     computes TQ outputs x TV vec4s of dw (TQ*TV vec4 accumulators, at most
//     64 floats, two arrays) over one batch slice of SL samples; per sample it reads
//     x[n, i..] as TV vec4s and dy[n, q..] as vec4s when Out % 4 == 0 and
//     TQ % 4 == 0 (scalars otherwise). The workgroup's y index is
//     qblock + ceil(Out/TQ) * slice, so the dy addresses are uniform across
//     a workgroup. The slices bound each invocation's loop (llvmpipe's
//     65535 iterations). With accum = 1 (one slice) binding 2 is dw (+=),
//     else partial (slices, Out, In) (=), added into dw by
//     reduce_slices.comp in order. Uniforms N, SL, accum.
//     Dispatch gpu.Grid2(ceil(In/(4*TV)), ceil(Out/TQ) * slices).
#include "common.glsl"
#ifndef BLOCKED
#define BLOCKED 0
#endif
#ifndef TM
#define TM 4
#endif
#ifndef TN
#define TN 8
#endif
layout(local_size_x = WG) in;
#if BLOCKED == 2
#ifndef TV
#define TV 2
#endif
#ifndef TQ
#define TQ 4
#endif
#define IN4 (IN / 4)
#define OUT4 (OUT / 4)
#define DYV (OUT % 4 == 0 && TQ % 4 == 0)
#if DYV
layout(std430, binding = 0) readonly buffer DY { vec4 dy4[]; };
#else
layout(std430, binding = 0) readonly buffer DY { float dy[]; };
#endif
layout(std430, binding = 1) readonly buffer X { vec4 x4[]; };
layout(std430, binding = 2) buffer DW { vec4 dw4[]; };
uniform int N, SL, accum;

void main() {
    int IB = (IN4 + TV - 1) / TV;
    const int QBN = (OUT + TQ - 1) / TQ;
    int g = int(gl_GlobalInvocationID.x);
    bool live = g < IB;
    g = min(g, IB - 1);
    int i0 = g * TV;
    int y = int(gl_WorkGroupID.y);
    int q0 = y % QBN * TQ;
    int s = y / QBN;
    int n0 = s * SL;
    int n1 = min(N, n0 + SL);
    int ic[TV];
    for (int v = 0; v < TV; v++) ic[v] = min(i0 + v, IN4 - 1);
    // Two vec4 accumulator arrays of at most 32 floats each (a larger
    // array goes to memory on llvmpipe): TQ*TV <= 16.
    vec4 acc0[min(TQ * TV, 8)];
#if TQ * TV > 8
vec4 acc1[TQ * TV - 8];
#define GET(e) ((e) < 8 ? acc0[min(e, 7)] : acc1[max((e) - 8, 0)])
#define SET(e, v) { if ((e) < 8) acc0[min(e, 7)] = (v); else acc1[max((e) - 8, 0)] = (v); }
#else
#define GET(e) acc0[e]
#define SET(e, v) acc0[e] = (v);
#endif
    for (int e = 0; e < TQ * TV; e++) SET(e, vec4(0.0))
    for (int n = n0; n < n1; n++) {
        float a[TQ];
#if DYV
        for (int k = 0; k < TQ / 4; k++) {
            vec4 d = dy4[n * OUT4 + min(q0 / 4 + k, OUT4 - 1)];
            a[4 * k] = d.x; a[4 * k + 1] = d.y; a[4 * k + 2] = d.z; a[4 * k + 3] = d.w;
        }
#else
        for (int u = 0; u < TQ; u++) a[u] = dy[n * OUT + min(q0 + u, OUT - 1)];
#endif
        vec4 b[TV];
        for (int v = 0; v < TV; v++) b[v] = x4[n * IN4 + ic[v]];
        for (int u = 0; u < TQ; u++)
            for (int v = 0; v < TV; v++) SET(u * TV + v, fma(vec4(a[u]), b[v], GET(u * TV + v)))
    }
    if (!live) return;
    int base = accum != 0 ? 0 : s * OUT * IN4;
    for (int u = 0; u < TQ; u++)
        for (int v = 0; v < TV; v++)
            if (q0 + u < OUT && i0 + v < IN4) {
                int e = base + (q0 + u) * IN4 + i0 + v;
                if (accum != 0) dw4[e] += GET(u * TV + v);
                else dw4[e] = GET(u * TV + v);
            }
}
#else
layout(std430, binding = 0) readonly buffer DY { float dy[]; };
layout(std430, binding = 1) readonly buffer X { float x[]; };
layout(std430, binding = 2) buffer DW { float dw[]; };
uniform int N, In, Out;

#define M Out
#define Q In
#define R N
#define A(m, r) dy[(r) * Out + (m)]
#define B(r, q) x[(r) * In + (q)]
#define STORE(m, q, v) dw[(m) * In + (q)] += (v)

#if BLOCKED == 0
void main() {
    uint g = gid();
    if (g >= uint(M * Q)) return;
    int m = int(g) / Q;
    int q = int(g) % Q;
    float acc = 0.0;
    for (int r = 0; r < R; r++) acc += A(m, r) * B(r, q);
    STORE(m, q, acc);
}
#else
void main() {
    int QB = (Q + TN - 1) / TN;
    int tiles = (M + TM - 1) / TM * QB;
    int g = int(gid());
    bool live = g < tiles;
    g = min(g, tiles - 1);
    int m0 = g / QB * TM;
    int q0 = g % QB * TN;
    float acc[TM * TN];
    for (int e = 0; e < TM * TN; e++) acc[e] = 0.0;
    for (int r = 0; r < R; r++) {
        float a[TM], b[TN];
        for (int u = 0; u < TM; u++) a[u] = A(min(m0 + u, M - 1), r);
        for (int v = 0; v < TN; v++) b[v] = B(r, min(q0 + v, Q - 1));
        for (int u = 0; u < TM; u++)
            for (int v = 0; v < TN; v++) acc[u * TN + v] += a[u] * b[v];
    }
    if (!live) return;
    for (int u = 0; u < TM; u++)
        for (int v = 0; v < TN; v++)
            if (m0 + u < M && q0 + v < Q) STORE(m0 + u, q0 + v, acc[u * TN + v]);
}
#endif
#endif // BLOCKED == 2
