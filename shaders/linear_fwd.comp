// linear_fwd.comp — fully connected layer, forward, direct (the reference
// kernel on the GPU):
//
//   y[n,o] = b[o] + sum_i x[n,i] * w[o,i]
//
// Layouts (row-major): x (N,In), w (Out,In) as PyTorch Linear, y (N,Out),
// b (Out).
// Bindings: 0 x (read), 1 w (read), 2 y (write), 3 b (read; only when
// HAS_BIAS is 1). Parameters N, In, Out; defines WG, HAS_BIAS.
//
// The product is a small GEMM: C[m,q] = sum_r A[m,r] * B[r,q] with
// m = n, q = o, r = i: A = x, B = w^T; M = N, Q = Out, R = In.
// One invocation computes one C element. Dispatch gpu.Grid1(M*Q).
//
// Variants of this pass: linear_fwd_blocked.comp (register tiles, any
// shape), linear_fwd_vec.comp (vec4 tiles, In % 4 == 0).
#include "common.glsl"
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
    uint g = gid();
    if (g >= uint(M * Q)) return;
    int m = int(g) / Q;
    int q = int(g) % Q;
    float acc = 0.0;
    for (int r = 0; r < R; r++) acc += A(m, r) * B(r, q);
    STORE(m, q, acc);
}
