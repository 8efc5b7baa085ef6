// avgpool2d_fwd.comp — 2-D average pooling, KxK window, stride S, no
// padding, floor mode (PyTorch AvgPool2d(K, S); count_include_pad does not
// matter without padding):
//
//   y[n,c,oy,ox] = (sum_{i,j<K} x[n,c, oy*S+i, ox*S+j]) / K²
//
// The window is summed row-major, then divided once, as PyTorch's CPU
// kernel does.
//
// Layouts: x (N,C,H,W), y (N,C,OH,OW), NCHW row-major.
// Bindings: 0 x (read), 1 y (write).
// One invocation computes one output element; dispatch gpu.Grid1(N*C*OH*OW).
#include "common.glsl"
layout(local_size_x = WG) in;
layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) writeonly buffer Y { float y[]; };
uniform uint n;      // outputs: N*C*OH*OW
uniform uint H;
uniform uint W;
uniform uint OH;
uniform uint OW;
uniform uint K;
uniform uint S;

void main() {
    uint o = gid();
    if (o >= n) return;
    uint ox = o % OW;
    uint t = o / OW;
    uint oy = t % OH;
    uint first = (t / OH) * H * W + oy * S * W + ox * S;
    float acc = 0.0;
    for (uint i = 0u; i < K; i++) {
        for (uint j = 0u; j < K; j++) {
            acc += x[first + i * W + j];
        }
    }
    y[o] = acc / float(K * K);
}
