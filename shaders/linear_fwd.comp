// linear_fwd.comp — fully connected layer, forward:
//
//   y[n,o] = b[o] + sum_i x[n,i] * w[o,i]
//
// Layouts (row-major): x (N,In), w (Out,In) as PyTorch Linear, y and dy
// (N,Out), b (Out).
// Bindings: 0 x (read), 1 w (read), 2 y (write), 3 b (read, when HAS_BIAS).
// Uniforms N, In, Out; defines WG, BLOCKED, TM, TN.
//
// The product is a small GEMM: C[m,q] = sum_r A[m,r] * B[r,q] with
// m = n, q = o, r = i: A = x, B = w^T; M = N, Q = Out, R = In.
//
// Versions:
//   BLOCKED 0 (direct): one invocation computes one C element.
//     Dispatch gpu.Grid1(M*Q).
//   BLOCKED 1 (register-blocked): one invocation computes a TM x TN tile of
//     C, TM*TN <= 32 accumulators in registers (llvmpipe keeps arrays up to
//     32 floats there), so each reduction step loads TM+TN values for
//     TM*TN FMAs. Indices are clamped and only the store is guarded (see
//     conv2d_fwd.comp for why). Dispatch gpu.Grid1(ceil(M/TM)*ceil(Q/TN)).
//   BLOCKED 2 (vec, In % 4 == 0; IN and OUT compiled in): the blocked tile
//     read in vec4s along In, where x rows and w rows are both contiguous:
//     TM+TN vec4 loads per 4 reduction steps feed 4*TM*TN FMAs (TM*TN <= 64
//     scalar accumulators in two arrays, fma() chains). The output block is the
//     workgroup's y index, so the w addresses are uniform across a
//     workgroup. Dispatch gpu.Grid2(ceil(N/TM), ceil(Out/TN)).
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
layout(std430, binding = 0) readonly buffer X { vec4 x4[]; };
layout(std430, binding = 1) readonly buffer Wt { vec4 w4[]; };
#else
layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) readonly buffer Wt { float w[]; };
#endif
layout(std430, binding = 2) writeonly buffer Y { float y[]; };
#ifndef HAS_BIAS
#define HAS_BIAS 0
#endif
#if HAS_BIAS
layout(std430, binding = 3) readonly buffer B_ { float bias[]; };
#endif
uniform int N, In, Out;

#define M N
#define Q Out
#define R In
#define A(m, r) x[(m) * In + (r)]
#define B(r, q) w[(q) * In + (r)]
#if HAS_BIAS
#define STORE(m, q, v) y[(m) * Out + (q)] = (v) + bias[q]
#else
#define STORE(m, q, v) y[(m) * Out + (q)] = (v)
#endif

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
#elif BLOCKED == 2
#define IN4 (IN / 4)
void main() {
    int MB = (N + TM - 1) / TM;
    int g = int(gl_GlobalInvocationID.x);
    bool live = g < MB;
    g = min(g, MB - 1);
    int m0 = g * TM;
    int q0 = int(gl_WorkGroupID.y) * TN;
    int xr[TM], wr[TN];
    for (int u = 0; u < TM; u++) xr[u] = min(m0 + u, N - 1) * IN4;
    for (int v = 0; v < TN; v++) wr[v] = min(q0 + v, OUT - 1) * IN4;
    // Two accumulator arrays of at most 32 floats each (a larger array
    // goes to memory on llvmpipe): TM*TN <= 64.
    float acc0[min(TM * TN, 32)];
#if TM * TN > 32
float acc1[TM * TN - 32];
#define GET(e) ((e) < 32 ? acc0[min(e, 31)] : acc1[max((e) - 32, 0)])
#define SET(e, v) { if ((e) < 32) acc0[min(e, 31)] = (v); else acc1[max((e) - 32, 0)] = (v); }
#else
#define GET(e) acc0[e]
#define SET(e, v) acc0[e] = (v);
#endif
    for (int e = 0; e < TM * TN; e++) SET(e, 0.0)
    for (int r = 0; r < IN4; r++) {
        vec4 a[TM], b[TN];
        for (int u = 0; u < TM; u++) a[u] = x4[xr[u] + r];
        for (int v = 0; v < TN; v++) b[v] = w4[wr[v] + r];
        for (int u = 0; u < TM; u++)
            for (int v = 0; v < TN; v++) {
                float s = GET(u * TN + v);
                s = fma(a[u].x, b[v].x, s);
                s = fma(a[u].y, b[v].y, s);
                s = fma(a[u].z, b[v].z, s);
                SET(u * TN + v, fma(a[u].w, b[v].w, s))
            }
    }
    if (!live) return;
    for (int u = 0; u < TM; u++)
        for (int v = 0; v < TN; v++)
            if (m0 + u < N && q0 + v < OUT) STORE(m0 + u, q0 + v, GET(u * TN + v));
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
