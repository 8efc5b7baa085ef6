// linear_fwd_blocked.comp — fully connected layer, forward,
// register-blocked. Computes what linear_fwd.comp computes:
//
//   y[n,o] = b[o] + sum_i x[n,i] * w[o,i]
//
// Layouts (row-major): x (N,In), w (Out,In) as PyTorch Linear, y (N,Out),
// b (Out).
// Bindings: 0 x (read), 1 w (read), 2 y (write), 3 b (read; only when
// HAS_BIAS is 1). Parameters N, In, Out; defines WG, TM, TN, HAS_BIAS.
//
// The product is a small GEMM: C[m,q] = sum_r A[m,r] * B[r,q] with
// m = n, q = o, r = i: A = x, B = w^T; M = N, Q = Out, R = In.
// One invocation computes a TM x TN tile of C, TM*TN <= 32 accumulators in
// registers (llvmpipe keeps arrays up to 32 floats there), so each
// reduction step loads TM+TN values for TM*TN FMAs. Indices are clamped
// and only the store is guarded (conv2d.glsl says why).
// Dispatch gpu.Grid1(ceil(M/TM)*ceil(Q/TN)).
#include "common.glsl"
#ifndef TM
#define TM 4
#endif
#ifndef TN
#define TN 8
#endif
#ifndef HAS_BIAS
#define HAS_BIAS 0
#endif
layout(local_size_x = WG) in;
layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) readonly buffer Wt { float w[]; };
layout(std430, binding = 2) writeonly buffer Y { float y[]; };
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
