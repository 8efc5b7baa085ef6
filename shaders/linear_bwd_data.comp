// linear_bwd_data.comp — fully connected layer, input gradient, direct
// (the reference kernel on the GPU):
//
//   dx[n,i] = sum_o dy[n,o] * w[o,i]      (dx = dy W)
//
// Layouts (row-major): dy (N,Out), w (Out,In) as PyTorch Linear, dx
// (N,In), overwritten.
// Bindings: 0 dy (read), 1 w (read), 2 dx (write). Parameters N, In, Out;
// define WG.
//
// The product is a small GEMM: C[m,q] = sum_r A[m,r] * B[r,q] with
// m = n, q = i, r = o: A = dy, B = w; M = N, Q = In, R = Out.
// One invocation computes one C element. Dispatch gpu.Grid1(M*Q).
//
// Variants of this pass: linear_bwd_data_blocked.comp (register tiles, any
// shape), linear_bwd_data_vec.comp (vec4 tiles, In % 4 == 0).
#include "common.glsl"
layout(local_size_x = WG) in;
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

void main() {
    uint g = gid();
    if (g >= uint(M * Q)) return;
    int m = int(g) / Q;
    int q = int(g) % Q;
    float acc = 0.0;
    for (int r = 0; r < R; r++) acc += A(m, r) * B(r, q);
    STORE(m, q, acc);
}
