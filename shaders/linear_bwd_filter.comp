// linear_bwd_filter.comp — fully connected layer, weight gradient,
// accumulated, direct (the reference kernel on the GPU):
//
//   dw[o,i] += sum_n dy[n,o] * x[n,i]     (dW += dy^T x)
//
// No atomics: each sum runs in a fixed order.
//
// Layouts (row-major): x (N,In), dy (N,Out), dw (Out,In) as PyTorch
// Linear's weight.
// Bindings: 0 dy (read), 1 x (read), 2 dw (read-write, +=). Parameters
// N, In, Out; define WG.
//
// The product is a small GEMM: C[m,q] = sum_r A[m,r] * B[r,q] with
// m = o, q = i, r = n: A = dy^T, B = x; M = Out, Q = In, R = N.
// One invocation computes one C element. Dispatch gpu.Grid1(M*Q).
//
// Variants of this pass: linear_bwd_filter_blocked.comp (register tiles,
// any shape), linear_bwd_filter_vec.comp (vec4 tiles, In % 4 == 0).
#include "common.glsl"
layout(local_size_x = WG) in;
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

void main() {
    uint g = gid();
    if (g >= uint(M * Q)) return;
    int m = int(g) / Q;
    int q = int(g) % Q;
    float acc = 0.0;
    for (int r = 0; r < R; r++) acc += A(m, r) * B(r, q);
    STORE(m, q, acc);
}
