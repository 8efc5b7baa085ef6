// batchnorm_bwd_partial.comp — stage 1 of the per-channel sums of the
// batch-norm backward pass: per channel c, the M = N*HW positions (order
// m = n*HW + s) are cut into P segments of L (the last may be shorter), and
//
//   partial[2*(c*P+p)]   = sum_seg dy[n,c,s]
//   partial[2*(c*P+p)+1] = sum_seg dy[n,c,s] * (x[n,c,s] - mean[c])
//
// batchnorm_bwd_reduce.comp adds the segments in a fixed order (no atomics).
//
// Layouts: x, dy (N,C,HW) row-major; mean (C); partial (C,P,2).
// Bindings: 0 x (read), 1 dy (read), 2 mean (read), 3 partial (write).
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
#else
#define VT float
#define HSUM(v) (v)
#endif
layout(local_size_x = WG) in;
layout(std430, binding = 0) readonly buffer X { VT x[]; };
layout(std430, binding = 1) readonly buffer DY { VT dy[]; };
layout(std430, binding = 2) readonly buffer MEAN { float mean[]; };
layout(std430, binding = 3) writeonly buffer PART { float partial[]; };
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
        VT g = dy[idx];
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
