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
// One invocation computes one element; dispatch gpu.Grid1(N*C*HW).
#include "common.glsl"
layout(local_size_x = WG) in;
layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) readonly buffer DY { float dy[]; };
layout(std430, binding = 2) readonly buffer G { float gamma[]; };
layout(std430, binding = 3) readonly buffer MEAN { float mean[]; };
layout(std430, binding = 4) readonly buffer ISTD { float invstd[]; };
layout(std430, binding = 5) readonly buffer SUMS { float sums[]; };
layout(std430, binding = 6) writeonly buffer DX { float dx[]; };
uniform uint n;      // N*C*HW
uniform uint C;
uniform uint HW;
uniform float invM;  // 1/M

void main() {
    uint i = gid();
    if (i >= n) return;
    uint c = (i / HW) % C;
    float is = invstd[c];
    float xhat = (x[i] - mean[c]) * is;
    dx[i] = gamma[c] * is * (dy[i] - sums[c] * invM - xhat * (sums[C + c] * invM));
}
