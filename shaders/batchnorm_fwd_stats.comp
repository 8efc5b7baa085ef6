// batchnorm_fwd_stats.comp — stage 2 of the batch statistics of batch norm:
// combines the P segment (mean, M2) pairs of batchnorm_fwd_partial.comp of
// each channel, in increasing segment order (Chan et al.'s parallel
// variance), into the batch mean and inverse standard deviation, and updates
// the running statistics as PyTorch does (unbiased variance, momentum):
//
//   mean[c]   = mean_0 + (1/M) sum_p Lp*(mean_p - mean_0)
//   var       = (1/M) sum_p (M2_p + Lp*(mean_p - mean[c])^2)      (biased)
//   invstd[c] = 1/sqrt(var + eps)
//   runMean[c] = (1-momentum)*runMean[c] + momentum*mean[c]       (if update)
//   runVar[c]  = (1-momentum)*runVar[c]  + momentum*var*M/(M-1)   (if update)
//
// (The shift by the first segment's mean keeps the sum small when the mean is
// large against the spread.)
// Layouts: partial (C,P,2); mean, invstd, runMean, runVar (C).
// Bindings: 0 partial (read), 1 mean (write), 2 invstd (write),
// 3 runMean (read/write), 4 runVar (read/write).
// One invocation handles one channel; dispatch gpu.Grid1(C).
#include "common.glsl"
layout(local_size_x = WG) in;
layout(std430, binding = 0) readonly buffer PART { float partial[]; };
layout(std430, binding = 1) writeonly buffer MEAN { float mean[]; };
layout(std430, binding = 2) writeonly buffer ISTD { float invstd[]; };
layout(std430, binding = 3) buffer RMEAN { float runMean[]; };
layout(std430, binding = 4) buffer RVAR { float runVar[]; };
uniform uint C;
uniform uint M;
uniform uint P;
uniform uint L;
uniform float invM;      // 1/M, computed on the host in float64
uniform float unbias;    // M/(M-1)
uniform float eps;
uniform float momentum;
uniform int update;      // 1: update the running statistics

void main() {
    uint c = gid();
    if (c >= C) return;
    uint base = c * P;
    float shift = partial[2u * base];
    float sum = 0.0;
    for (uint p = 1u; p < P; p++) {
        float lp = float(min(L, M - p * L));
        sum += lp * (partial[2u * (base + p)] - shift);
    }
    float mu = shift + sum * invM;
    float m2 = 0.0;
    for (uint p = 0u; p < P; p++) {
        float lp = float(min(L, M - p * L));
        float d = partial[2u * (base + p)] - mu;
        m2 += partial[2u * (base + p) + 1u] + lp * d * d;
    }
    float var = m2 * invM;
    mean[c] = mu;
    invstd[c] = 1.0 / sqrt(var + eps);
    if (update != 0) {
        runMean[c] = (1.0 - momentum) * runMean[c] + momentum * mu;
        runVar[c] = (1.0 - momentum) * runVar[c] + momentum * (var * unbias);
    }
}
