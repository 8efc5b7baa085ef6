// linear_fwd_vec.comp — fully connected layer, forward, vec4 tiles for
// In % 4 == 0. Computes what linear_fwd.comp computes:
//
//   y[n,o] = b[o] + sum_i x[n,i] * w[o,i]
//
// Layouts (row-major): x (N,In), w (Out,In) as PyTorch Linear, y (N,Out),
// b (Out); x and w are read as vec4s along In.
// Bindings: 0 x (read), 1 w (read), 2 y (write), 3 b (read; only when
// HAS_BIAS is 1). Parameters N, In, Out (uniforms, so one program serves
// every shape); defines WG, TM, TN, HAS_BIAS.
//
// The product is a small GEMM: C[m,q] = sum_r A[m,r] * B[r,q] with
// m = n, q = o, r = i: A = x, B = w^T; M = N, Q = Out, R = In.
// One invocation computes a TM x TN tile of C read in vec4s along In,
// where x rows and w rows are both contiguous: TM+TN vec4 loads per 4
// reduction steps feed 4*TM*TN FMAs (TM*TN <= 64 scalar accumulators in
// two arrays, fma() chains). The output block is the workgroup's y index,
// so the w addresses are uniform across a workgroup.
// Dispatch gpu.Grid2(ceil(N/TM), ceil(Out/TN)).
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
layout(std430, binding = 0) readonly buffer X { vec4 x4[]; };
layout(std430, binding = 1) readonly buffer Wt { vec4 w4[]; };
layout(std430, binding = 2) writeonly buffer Y { float y[]; };
#if HAS_BIAS
layout(std430, binding = 3) readonly buffer B_ { float bias[]; };
#endif
uniform int N, In, Out;

#if HAS_BIAS
#define STORE(m, q, v) y[(m) * Out + (q)] = (v) + bias[q]
#else
#define STORE(m, q, v) y[(m) * Out + (q)] = (v)
#endif
void main() {
    int in4 = In / 4;
    int MB = (N + TM - 1) / TM;
    int g = int(gl_GlobalInvocationID.x);
    bool live = g < MB;
    g = min(g, MB - 1);
    int m0 = g * TM;
    int q0 = int(gl_WorkGroupID.y) * TN;
    int xr[TM], wr[TN];
    for (int u = 0; u < TM; u++) xr[u] = min(m0 + u, N - 1) * in4;
    for (int v = 0; v < TN; v++) wr[v] = min(q0 + v, Out - 1) * in4;
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
    for (int r = 0; r < in4; r++) {
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
            if (m0 + u < N && q0 + v < Out) STORE(m0 + u, q0 + v, GET(u * TN + v));
}
