// batchnorm_relu_bwd.comp — training-mode input gradient of batch norm
// followed by a ReLU: batchnorm_bwd.comp with the ReLU's backward
// (relu_bwd.comp) applied to dy as it is read, from the fused forward's
// output y (xhat = (x-mean)*invstd, M = N*HW):
//
//   g = y[n,c,s] > 0 ? dy[n,c,s] : 0
//   dx[n,c,s] = gamma[c]*invstd[c] * (g - dbeta[c]/M - xhat*dgamma[c]/M)
//
// with dbeta, dgamma this batch's sums from batchnorm_bwd_reduce.comp (after
// batchnorm_relu_bwd_partial.comp). Written as batchnorm_bwd.comp is, so
// the bits are those of relu_bwd.comp then batchnorm_bwd.comp.
// Layouts: x, dy, y, dx (N,C,HW) row-major; gamma, mean, invstd (C); sums
// (2,C): dbeta then dgamma.
// Bindings: 0 x, 1 dy, 2 gamma, 3 mean, 4 invstd, 5 sums (all read),
// 6 dx (write), 7 y (read).
// One invocation computes the elements (n,c,s) of 4 consecutive samples
// n = 4k..4k+3 (fewer in the last quad when N is not a multiple of 4) at
// one (c,s), for any plane size, and V consecutive s each (V = 4 when HW is
// a multiple of 4, as vec4; else 1), as batchnorm_fwd.comp does: the
// channel's values are loaded once for the 4*V elements. HW and CHW are
// given in units of V; dispatch gpu.Grid1(ceil(N/4)*C*HW/V).
#include "common.glsl"
#ifndef V
#define V 1
#endif
#if V == 4
#define VT vec4
#define POSITIVE(v) greaterThan(v, vec4(0.0))
#else
#define VT float
#define POSITIVE(v) ((v) > 0.0)
#endif
layout(local_size_x = WG) in;
layout(std430, binding = 0) readonly buffer X { VT x[]; };
layout(std430, binding = 1) readonly buffer DY { VT dy[]; };
layout(std430, binding = 2) readonly buffer G { float gamma[]; };
layout(std430, binding = 3) readonly buffer MEAN { float mean[]; };
layout(std430, binding = 4) readonly buffer ISTD { float invstd[]; };
layout(std430, binding = 5) readonly buffer SUMS { float sums[]; };
layout(std430, binding = 6) writeonly buffer DX { VT dx[]; };
layout(std430, binding = 7) readonly buffer Y { VT y[]; };
uniform uint N;
uniform uint C;
uniform uint HW;     // HW/V
uniform uint CHW;    // C*HW/V: the stride between samples
uniform float invM;  // 1/M

void main() {
    uint i = gid();
    uint k = i / CHW;  // the quad of samples
    uint r = i - k * CHW;
    uint n0 = 4u * k;
    if (n0 >= N) return;
    uint c = r / HW;
    float is = invstd[c];
    float a = sums[c] * invM;
    float b = sums[C + c] * invM;
    float mu = mean[c], gs = gamma[c] * is;
    for (uint j = 0u; j < 4u; j++) {
        if (n0 + j < N) {
            uint e = (n0 + j) * CHW + r;
            VT xhat = (x[e] - mu) * is;
            // A select, not a product: 0 * inf would be NaN.
            VT g = mix(VT(0.0), dy[e], POSITIVE(y[e]));
            dx[e] = gs * (g - a - xhat * b);
        }
    }
}
