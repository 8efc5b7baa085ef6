// batchnorm_fwd_partial.comp — stage 1 of the batch statistics of batch
// norm: per channel c, the M = N*HW values x[n,c,s] (taken in the order
// m = n*HW + s) are cut into P segments of L consecutive values (the last one
// may be shorter), and each segment's mean and sum of squared deviations are
// computed with a segment-local shift K (the segment's first value), which
// keeps the one-pass formula free of cancellation:
//
//   S1 = sum (x-K),  S2 = sum (x-K)^2  over the segment's Lp values
//   partial[2*(c*P+p)]   = K + S1/Lp                   (segment mean)
//   partial[2*(c*P+p)+1] = max(S2 - S1*S1/Lp, 0)       (segment M2)
//
// batchnorm_fwd_stats.comp combines the segments in a fixed order (Chan et
// al.), so the result is deterministic and needs no atomics.
//
// Layouts: x (N,C,HW) row-major (NCHW with HW = H*W; BatchNorm1d has HW = 1);
// partial (C,P,2).
// Bindings: 0 x (read), 1 partial (write).
// One invocation reduces one segment serially (no barriers: fast on
// llvmpipe, and L is chosen so there are enough segments to fill a GPU);
// dispatch gpu.Grid1(C*P). With V = 4 (HW a multiple of 4) values are read
// as vec4 and M, L, HW are given in vec4 units.
#include "common.glsl"
#ifndef V
#define V 1
#endif
#if V == 4
#define VT vec4
#define HSUM(v) ((v).x + (v).y + (v).z + (v).w)
#define FIRST(v) ((v).x)
#else
#define VT float
#define HSUM(v) (v)
#define FIRST(v) (v)
#endif
layout(local_size_x = WG) in;
layout(std430, binding = 0) readonly buffer X { VT x[]; };
layout(std430, binding = 1) writeonly buffer PART { float partial[]; };
uniform uint C;
uniform uint HW;  // in units of V
uniform uint M;   // N*HW values per channel, in units of V
uniform uint P;   // segments per channel
uniform uint L;   // values per segment, in units of V

void main() {
    uint i = gid();
    if (i >= C * P) return;
    uint c = i / P, p = i % P;
    uint m0 = p * L;
    uint cnt = min(L, M - m0);
    uint n = m0 / HW, s = m0 % HW;
    uint idx = (n * C + c) * HW + s;
    float k = FIRST(x[idx]);
    VT s1 = VT(0.0), s2 = VT(0.0);
    for (uint j = 0u; j < cnt; j++) {
        VT d = x[idx] - k;
        s1 += d;
        s2 += d * d;
        // Next value: the next s, or the next sample's plane of channel c.
        s++;
        idx++;
        if (s == HW) {
            s = 0u;
            idx += (C - 1u) * HW;
        }
    }
    float fc = float(cnt * uint(V));
    float t1 = HSUM(s1), t2 = HSUM(s2);
    partial[2u * i] = k + t1 / fc;
    partial[2u * i + 1u] = max(t2 - t1 * t1 / fc, 0.0);
}
