// adam_step.comp — one step t of torch.optim.Adam (decoupled = 0) or AdamW
// (decoupled = 1) on one parameter tensor, in place, in torch's order:
//
//   Adam:  g = grad[i] + wd*p[i]        AdamW:  g = grad[i];  p[i] *= 1 - lr*wd
//   m[i] = beta1*m[i] + (1-beta1)*g
//   v[i] = beta2*v[i] + (1-beta2)*g*g
//   p[i] -= stepSize * m[i] / (sqrt(v[i])/bc2sqrt + eps)
//
// The bias corrections come from the host, computed in float64:
// stepSize = lr/(1-beta1^t), bc2sqrt = sqrt(1-beta2^t).
// Layouts: p, grad, m, v flat (n).
// Bindings: 0 p (read/write), 1 grad (read), 2 m (read/write), 3 v
// (read/write).
// One invocation updates one element; dispatch gpu.Grid1(n).
#include "common.glsl"
layout(local_size_x = WG) in;
layout(std430, binding = 0) buffer P { float p[]; };
layout(std430, binding = 1) readonly buffer G { float grad[]; };
layout(std430, binding = 2) buffer M { float m[]; };
layout(std430, binding = 3) buffer V { float v[]; };
uniform uint n;
uniform float beta1;
uniform float beta2;
uniform float omb1;      // 1 - beta1
uniform float omb2;      // 1 - beta2
uniform float eps;
uniform float wd;
uniform float decay;     // 1 - lr*wd (AdamW)
uniform int decoupled;
uniform float stepSize;
uniform float bc2sqrt;

void main() {
    uint i = gid();
    if (i >= n) return;
    float w = p[i];
    float g = grad[i];
    if (decoupled != 0) {
        w *= decay;
    } else {
        g += wd * w;
    }
    float mi = beta1 * m[i] + omb1 * g;
    float vi = beta2 * v[i] + omb2 * g * g;
    m[i] = mi;
    v[i] = vi;
    p[i] = w - stepSize * (mi / (sqrt(vi) / bc2sqrt + eps));
}
