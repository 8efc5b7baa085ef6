// batchnorm_bwd_reduce.comp — stage 2 of the batch-norm backward sums: adds
// the P segments of batchnorm_bwd_partial.comp per channel, in increasing
// segment order, and accumulates the parameter gradients:
//
//   dbeta[c]  = sum_p partial[c,p,0]            = sum_{n,s} dy
//   dgamma[c] = invstd[c] * sum_p partial[c,p,1] = sum_{n,s} dy * xhat
//   sums[c] = dbeta[c], sums[C+c] = dgamma[c]    (this batch's, for dx)
//   gammaGrad[c] += dgamma[c];  betaGrad[c] += dbeta[c]
//
// Layouts: partial (C,P,2); invstd, gammaGrad, betaGrad (C); sums (2,C).
// Bindings: 0 partial (read), 1 invstd (read), 2 sums (write),
// 3 gammaGrad (read/write), 4 betaGrad (read/write).
// One invocation handles one channel; dispatch gpu.Grid1(C).
#include "common.glsl"
layout(local_size_x = WG) in;
layout(std430, binding = 0) readonly buffer PART { float partial[]; };
layout(std430, binding = 1) readonly buffer ISTD { float invstd[]; };
layout(std430, binding = 2) writeonly buffer SUMS { float sums[]; };
layout(std430, binding = 3) buffer GG { float gammaGrad[]; };
layout(std430, binding = 4) buffer BG { float betaGrad[]; };
uniform uint C;
uniform uint P;

void main() {
    uint c = gid();
    if (c >= C) return;
    float sdy = 0.0, sdyx = 0.0;
    for (uint p = 0u; p < P; p++) {
        sdy += partial[2u * (c * P + p)];
        sdyx += partial[2u * (c * P + p) + 1u];
    }
    float dgamma = sdyx * invstd[c];
    sums[c] = sdy;
    sums[C + c] = dgamma;
    gammaGrad[c] += dgamma;
    betaGrad[c] += sdy;
}
