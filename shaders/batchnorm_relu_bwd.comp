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
// One invocation computes the elements of 4 consecutive samples
// n = 4k..4k+3 (fewer in the last quad when N is not a multiple of 4), at
// the same V consecutive offsets of each sample, for any plane size:
// V = 4 (read as vec4) when a sample's C*HW values are a multiple of 4 and
// HW >= 4, so the four may end one plane and start the next, and the
// values of both channels are loaded and selected per component; else
// V = 1, one (c,s). A channel's values are thus loaded once (or twice) for
// 4*V elements: on software renderers those loads, like each scalar load
// of x, cost as much as the arithmetic. (Four consecutive elements as four
// scalar loads each looking up its own channel ran at half the speed of
// vec4 at HW = 196 and barely faster than one element per invocation at
// HW = 49.) Neighbouring invocations read neighbouring addresses. CHW is
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
uniform uint HW;
uniform uint CHW;    // C*HW/V: the stride between samples
uniform float invM;  // 1/M

// A channel's values: invstd, dbeta/M, dgamma/M, mean, gamma*invstd.
struct Chan { float is, a, b, mu, gs; };
Chan channel(uint c) {
    float is = invstd[c];
    return Chan(is, sums[c] * invM, sums[C + c] * invM, mean[c], gamma[c] * is);
}

void main() {
    uint i = gid();
    uint k = i / CHW;  // the quad of samples
    uint r = i - k * CHW;
    uint n0 = 4u * k;
    if (n0 >= N) return;
#if V == 4
    // Offsets o..o+3 of the sample: channel c, then c+1 past the plane's end.
    uint o = 4u * r;
    uint c = o / HW;
    bvec4 next = greaterThanEqual(uvec4(o - c * HW) + uvec4(0u, 1u, 2u, 3u), uvec4(HW));
    Chan c0 = channel(c), c1 = channel(min(c + 1u, C - 1u));
#define PICK(f) mix(vec4(c0.f), vec4(c1.f), next)
#else
    Chan c0 = channel(r / HW);
#define PICK(f) c0.f
#endif
    VT is = PICK(is), a = PICK(a), b = PICK(b), mu = PICK(mu), gs = PICK(gs);
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
