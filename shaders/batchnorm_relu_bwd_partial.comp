// batchnorm_relu_bwd_partial.comp — stage 1 of the per-channel sums of the
// backward pass of batch norm followed by a ReLU: batchnorm_bwd_partial.comp
// with the ReLU's backward (relu_bwd.comp) applied to dy as it is read,
// from the fused forward's output y (y > 0 exactly where the ReLU passed
// its input):
//
//   g = y[n,c,s] > 0 ? dy[n,c,s] : 0
//   partial[2*(c*P+p)]   = sum_seg g
//   partial[2*(c*P+p)+1] = sum_seg g * (x[n,c,s] - mean[c])
//
// per channel c, the M = N*HW positions (order m = n*HW + s) cut into P
// segments of L (the last may be shorter). The sums run in the same order
// over the same values as batchnorm_bwd_partial.comp's after relu_bwd.comp,
// so the bits are the same. batchnorm_bwd_reduce.comp adds the segments.
//
// Layouts: x, dy, y (N,C,HW) row-major; mean (C); partial (C,P,2).
// Bindings: 0 x (read), 1 dy (read), 2 mean (read), 3 partial (write),
// 4 y (read).
// One invocation reduces one segment serially; dispatch gpu.Grid1(C*P).
// With V = 4 (HW a multiple of 4) values are read as vec4 and M, L, HW are
// given in vec4 units.
#include "common.glsl"
#ifndef V
#define V 1
#endif
#if V == 4
#define VT vec4
#define HSUM(v) ((v).x + (v).y + (v).z + (v).w)
#define POSITIVE(v) greaterThan(v, vec4(0.0))
#else
#define VT float
#define HSUM(v) (v)
#define POSITIVE(v) ((v) > 0.0)
#endif
layout(local_size_x = WG) in;
layout(std430, binding = 0) readonly buffer X { VT x[]; };
layout(std430, binding = 1) readonly buffer DY { VT dy[]; };
layout(std430, binding = 2) readonly buffer MEAN { float mean[]; };
layout(std430, binding = 3) writeonly buffer PART { float partial[]; };
layout(std430, binding = 4) readonly buffer Y { VT y[]; };
uniform uint C;
uniform uint HW;  // in units of V
uniform uint M;   // in units of V
uniform uint P;
uniform uint L;   // in units of V

void main() {
    uint i = gid();
    if (i >= C * P) return;
    uint c = i / P, p = i % P;
    uint m0 = p * L;
    uint cnt = min(L, M - m0);
    uint n = m0 / HW, s = m0 % HW;
    uint idx = (n * C + c) * HW + s;
    float mu = mean[c];
    VT sdy = VT(0.0), sdyx = VT(0.0);
    for (uint j = 0u; j < cnt; j++) {
        // A select, not a product: 0 * inf would be NaN.
        VT g = mix(VT(0.0), dy[idx], POSITIVE(y[idx]));
        sdy += g;
        sdyx += g * (x[idx] - mu);
        s++;
        idx++;
        if (s == HW) {
            s = 0u;
            idx += (C - 1u) * HW;
        }
    }
    partial[2u * i] = HSUM(sdy);
    partial[2u * i + 1u] = HSUM(sdyx);
}
