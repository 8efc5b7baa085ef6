// batchnorm_relu_fwd.comp — batch-norm normalisation followed by a ReLU, in
// one pass over memory (batchnorm_fwd.comp, then relu_fwd.comp on its
// output), elementwise:
//
//   y[n,c,s] = max(gamma[c] * ((x[n,c,s] - mean[c]) * invstd[c]) + beta[c], 0)
//
// The normalisation is written exactly as in batchnorm_fwd.comp and clamped
// as relu_fwd.comp clamps, so the result has the same bits as the two
// kernels run one after the other.
// Training mode passes the batch mean and invstd of batchnorm_fwd_stats.comp
// (fromVar = 0); eval mode passes the running mean and running variance and
// sets fromVar = 1, so that invstd = 1/sqrt(var[c] + eps) is computed here.
//
// Layouts: x, y (N,C,HW) row-major; gamma, beta, mean, stat (C).
// Bindings: 0 x (read), 1 y (write), 2 gamma, 3 beta, 4 mean, 5 stat (invstd,
// or the running variance when fromVar = 1), all read.
// One invocation computes V consecutive elements of one channel (V = 4 when
// HW is a multiple of 4, so x and y are read as vec4; else 1); dispatch
// gpu.Grid1(N*C*HW/V).
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
layout(std430, binding = 1) writeonly buffer Y { VT y[]; };
layout(std430, binding = 2) readonly buffer G { float gamma[]; };
layout(std430, binding = 3) readonly buffer B { float beta[]; };
layout(std430, binding = 4) readonly buffer MEAN { float mean[]; };
layout(std430, binding = 5) readonly buffer STAT { float stat[]; };
uniform uint n;      // N*C*HW/V
uniform uint C;
uniform uint HW;     // HW/V
uniform int fromVar;
uniform float eps;

void main() {
    uint i = gid();
    if (i >= n) return;
    uint c = (i / HW) % C;
    float is = fromVar != 0 ? 1.0 / sqrt(stat[c] + eps) : stat[c];
    float g = gamma[c] * is;
    VT v = g * (x[i] - mean[c]) + beta[c];
    y[i] = max(v, VT(0.0));
}
