// softmax_xent.comp — softmax fused with cross-entropy (PyTorch
// CrossEntropyLoss with label smoothing eps), one row per invocation:
//
//   m          = max_c z[r,c]                (first maximum: the prediction)
//   lse        = log(sum_c exp(z[r,c] - m))  (>= 0: the sum is >= 1)
//   target[c]  = (1-eps)*[c == label[r]] + eps/classes
//   rowLoss[r] = sum_c target[c] * (lse - (z[r,c] - m))   (terms >= 0)
//   rowHit[r]  = argmax_c z[r,c] == label[r]
//   dz[r,c]    = (exp(z[r,c] - m)/sum - target[c]) * invNorm   (if grad != 0)
//
// Numerics: exp only ever sees arguments in [-87, 0] (clamped below, where
// float32 exp underflows anyway), log only a value >= 1: no inf or NaN is
// produced or relied on. A label outside [0,classes) matches no class (a
// caller bug; it cannot read out of bounds).
//
// Layouts: z, dz (N,classes) row-major; label, rowLoss, rowHit (N).
// Bindings: 0 z (read), 1 label (read, uint), 2 dz (write), 3 rowLoss
// (write), 4 rowHit (write, uint).
// One invocation handles one row; dispatch gpu.Grid1(N).
#include "common.glsl"
layout(local_size_x = WG) in;
layout(std430, binding = 0) readonly buffer Z { float z[]; };
layout(std430, binding = 1) readonly buffer LBL { uint label[]; };
layout(std430, binding = 2) writeonly buffer DZ { float dz[]; };
layout(std430, binding = 3) writeonly buffer RL { float rowLoss[]; };
layout(std430, binding = 4) writeonly buffer RH { uint rowHit[]; };
uniform uint n;        // rows
uniform uint classes;
uniform float eps;     // label smoothing
uniform float invNorm; // 1/norm: the loss is a mean over norm samples
uniform int grad;      // 1: write dz

void main() {
    uint r = gid();
    if (r >= n) return;
    uint base = r * classes;
    uint lbl = label[r];
    float m = z[base];
    uint arg = 0u;
    for (uint c = 1u; c < classes; c++) {
        float v = z[base + c];
        if (v > m) {
            m = v;
            arg = c;
        }
    }
    float sum = 0.0;
    for (uint c = 0u; c < classes; c++) {
        sum += exp(max(z[base + c] - m, -87.0));
    }
    float lse = log(sum);
    float other = eps / float(classes);
    float loss = 0.0;
    for (uint c = 0u; c < classes; c++) {
        float d = z[base + c] - m;
        float target = c == lbl ? 1.0 - eps + other : other;
        loss += target * (lse - d);
        if (grad != 0) {
            dz[base + c] = (exp(max(d, -87.0)) / sum - target) * invNorm;
        }
    }
    rowLoss[r] = loss;
    rowHit[r] = arg == lbl ? 1u : 0u;
}
