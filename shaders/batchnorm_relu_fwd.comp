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
uniform uint HW;
uniform uint CHW;    // C*HW/V: the stride between samples
uniform int fromVar;
uniform float eps;

// A channel's values: g = gamma*invstd, mean, beta.
struct Chan { float g, mu, b; };
Chan channel(uint c) {
    float is = fromVar != 0 ? 1.0 / sqrt(stat[c] + eps) : stat[c];
    return Chan(gamma[c] * is, mean[c], beta[c]);
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
    VT g = PICK(g), mu = PICK(mu), b = PICK(b);
    for (uint j = 0u; j < 4u; j++) {
        if (n0 + j < N) {
            uint e = (n0 + j) * CHW + r;
            VT v = g * (x[e] - mu) + b;
            y[e] = max(v, VT(0.0));
        }
    }
}
