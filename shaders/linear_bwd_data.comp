// linear_bwd_data.comp — fully connected layer, input gradient:
//
//   dx[n,i] = sum_o dy[n,o] * w[o,i]      (dx = dy W)
//
// Layouts (row-major): x (N,In), w (Out,In) as PyTorch Linear, y and dy
// (N,Out), dx (N,In), overwritten.
// Bindings: 0 dy (read), 1 w (read), 2 dx (write).
// Uniforms N, In, Out; defines WG, BLOCKED, TM, TN.
//
// The product is a small GEMM: C[m,q] = sum_r A[m,r] * B[r,q] with
// m = n, q = i, r = o: A = dy, B = w; M = N, Q = In, R = Out.
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
//     computes TM samples x TV vec4s of dx (TM*TV vec4 accumulators, at most
//     64 floats, two arrays); w rows are read as vec4s along In, dy rows as vec4s along
//     Out when Out % 4 == 0 (scalars otherwise). The dx column block is the
//     workgroup's y index, so the w addresses are uniform across a
//     workgroup. Dispatch gpu.Grid2(ceil(N/TM), ceil(In/(4*TV))).
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
#define IN4 (IN / 4)
#define OUT4 (OUT / 4)
#if OUT % 4 == 0
layout(std430, binding = 0) readonly buffer DY { vec4 dy4[]; };
#else
layout(std430, binding = 0) readonly buffer DY { float dy[]; };
#endif
layout(std430, binding = 1) readonly buffer Wt { vec4 w4[]; };
layout(std430, binding = 2) writeonly buffer DX { vec4 dx4[]; };
uniform int N;

void main() {
    int MB = (N + TM - 1) / TM;
    int g = int(gl_GlobalInvocationID.x);
    bool live = g < MB;
    g = min(g, MB - 1);
    int m0 = g * TM;
    int i0 = int(gl_WorkGroupID.y) * TV;
    int ic[TV], dr[TM];
    for (int v = 0; v < TV; v++) ic[v] = min(i0 + v, IN4 - 1);
    // Two vec4 accumulator arrays of at most 32 floats each (a larger
    // array goes to memory on llvmpipe): TM*TV <= 16.
    vec4 acc0[min(TM * TV, 8)];
#if TM * TV > 8
vec4 acc1[TM * TV - 8];
#define GET(e) ((e) < 8 ? acc0[min(e, 7)] : acc1[max((e) - 8, 0)])
#define SET(e, v) { if ((e) < 8) acc0[min(e, 7)] = (v); else acc1[max((e) - 8, 0)] = (v); }
#else
#define GET(e) acc0[e]
#define SET(e, v) acc0[e] = (v);
#endif
    for (int e = 0; e < TM * TV; e++) SET(e, vec4(0.0))
#if OUT % 4 == 0
    for (int u = 0; u < TM; u++) dr[u] = min(m0 + u, N - 1) * OUT4;
    for (int o4 = 0; o4 < OUT4; o4++) {
        vec4 a[TM];
        for (int u = 0; u < TM; u++) a[u] = dy4[dr[u] + o4];
        for (int k = 0; k < 4; k++) {
            vec4 b[TV];
            for (int v = 0; v < TV; v++) b[v] = w4[(o4 * 4 + k) * IN4 + ic[v]];
            for (int u = 0; u < TM; u++)
                for (int v = 0; v < TV; v++) SET(u * TV + v, fma(vec4(a[u][k]), b[v], GET(u * TV + v)))
        }
    }
#else
    for (int u = 0; u < TM; u++) dr[u] = min(m0 + u, N - 1) * OUT;
    for (int o = 0; o < OUT; o++) {
        float a[TM];
        vec4 b[TV];
        for (int u = 0; u < TM; u++) a[u] = dy[dr[u] + o];
        for (int v = 0; v < TV; v++) b[v] = w4[o * IN4 + ic[v]];
        for (int u = 0; u < TM; u++)
            for (int v = 0; v < TV; v++) SET(u * TV + v, fma(vec4(a[u]), b[v], GET(u * TV + v)))
    }
#endif
    if (!live) return;
    for (int u = 0; u < TM; u++)
        for (int v = 0; v < TV; v++)
            if (m0 + u < N && i0 + v < IN4) dx4[(m0 + u) * IN4 + i0 + v] = GET(u * TV + v);
}
#else
layout(std430, binding = 0) readonly buffer DY { float dy[]; };
layout(std430, binding = 1) readonly buffer Wt { float w[]; };
layout(std430, binding = 2) writeonly buffer DX { float dx[]; };
uniform int N, In, Out;

#define M N
#define Q In
#define R Out
#define A(m, r) dy[(m) * Out + (r)]
#define B(r, q) w[(r) * In + (q)]
#define STORE(m, q, v) dx[(m) * In + (q)] = (v)

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
