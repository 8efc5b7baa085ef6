// batchnorm_bwd.comp — training-mode input gradient of batch norm, through
// the batch statistics (xhat = (x-mean)*invstd, M = N*HW):
//
//   dx[n,c,s] = gamma[c]*invstd[c] * (dy - dbeta[c]/M - xhat*dgamma[c]/M)
//
// with dbeta, dgamma this batch's sums from batchnorm_bwd_reduce.comp.
// Layouts: x, dy, dx (N,C,HW) row-major; gamma, mean, invstd (C); sums (2,C):
// dbeta then dgamma.
// Bindings: 0 x, 1 dy, 2 gamma, 3 mean, 4 invstd, 5 sums (all read),
// 6 dx (write).
// One invocation computes V consecutive elements of one channel (V = 4 when
// HW is a multiple of 4, as vec4; else 1); dispatch gpu.Grid1(N*C*HW/V).
#include "common.glsl"
#ifndef V
#define V 1
#endif
#if V == 4
#define VT vec4
#else
#define VT float
#endif
layout(local_size_x = WG) in;
layout(std430, binding = 0) readonly buffer X { VT x[]; };
layout(std430, binding = 1) readonly buffer DY { VT dy[]; };
layout(std430, binding = 2) readonly buffer G { float gamma[]; };
layout(std430, binding = 3) readonly buffer MEAN { float mean[]; };
layout(std430, binding = 4) readonly buffer ISTD { float invstd[]; };
layout(std430, binding = 5) readonly buffer SUMS { float sums[]; };
layout(std430, binding = 6) writeonly buffer DX { VT dx[]; };
uniform uint n;      // N*C*HW/V
uniform uint C;
uniform uint HW;     // HW/V
uniform float invM;  // 1/M

void main() {
    uint i = gid();
    if (i >= n) return;
    uint c = (i / HW) % C;
    float is = invstd[c];
    float a = sums[c] * invM;
    float b = sums[C + c] * invM;
    VT xhat = (x[i] - mean[c]) * is;
    dx[i] = (gamma[c] * is) * (dy[i] - a - xhat * b);
}
