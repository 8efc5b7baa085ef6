// batchnorm_fwd.comp — batch-norm normalisation, elementwise:
//
//   y[n,c,s] = gamma[c] * ((x[n,c,s] - mean[c]) * invstd[c]) + beta[c]
//
// Training mode passes the batch mean and invstd of batchnorm_fwd_stats.comp
// (fromVar = 0); eval mode passes the running mean and running variance and
// sets fromVar = 1, so that invstd = 1/sqrt(var[c] + eps) is computed here.
//
// Layouts: x, y (N,C,HW) row-major; gamma, beta, mean, stat (C).
// Bindings: 0 x (read), 1 y (write), 2 gamma, 3 beta, 4 mean, 5 stat (invstd,
// or the running variance when fromVar = 1), all read.
// One invocation computes the elements (n,c,s) of 4 consecutive samples
// n = 4k..4k+3 (fewer in the last quad when N is not a multiple of 4) at
// one (c,s), for any plane size, and V consecutive s each (V = 4 when HW is
// a multiple of 4, so x and y are read as vec4; else 1): the channel's
// values are loaded once for the 4*V elements (on software renderers those
// loads cost as much as the arithmetic), and neighbouring invocations read
// neighbouring addresses. (Four consecutive elements of x would straddle
// planes when HW is not a multiple of 4, and each need its own channel's
// loads: twice the time at HW = 49.) HW and CHW are given in units of V;
// dispatch gpu.Grid1(ceil(N/4)*C*HW/V).
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
uniform uint N;
uniform uint C;
uniform uint HW;     // HW/V
uniform uint CHW;    // C*HW/V: the stride between samples
uniform int fromVar;
uniform float eps;

void main() {
    uint i = gid();
    uint k = i / CHW;  // the quad of samples
    uint r = i - k * CHW;
    uint n0 = 4u * k;
    if (n0 >= N) return;
    uint c = r / HW;
    float is = fromVar != 0 ? 1.0 / sqrt(stat[c] + eps) : stat[c];
    float g = gamma[c] * is;
    float mu = mean[c], b = beta[c];
    for (uint j = 0u; j < 4u; j++) {
        if (n0 + j < N) {
            uint e = (n0 + j) * CHW + r;
            y[e] = g * (x[e] - mu) + b;
        }
    }
}
