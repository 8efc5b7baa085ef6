// softmax_xent_sum.comp — adds a batch's per-row losses and hits (from
// softmax_xent.comp) to running sums, without atomics:
//
//   acc[0] += sum_r rowLoss[r]   (Kahan-compensated: acc[1] holds the
//                                 running compensation; the total is
//                                 acc[0] - acc[1])
//   hits[0] += sum_r rowHit[r]
//
// Order: invocation t sums rows t, t+WG, t+2*WG, ... serially, then a
// fixed binary tree in shared memory combines the WG partial sums, so the
// result is the same on every run.
// Layouts: rowLoss, rowHit (N); acc (2); hits (1).
// Bindings: 0 rowLoss (read), 1 rowHit (read, uint), 2 acc (read/write),
// 3 hits (read/write, uint).
// Exactly one workgroup of WG (a power of two) invocations; dispatch
// gpu.Grid1(WG).
#include "common.glsl"
layout(local_size_x = WG) in;
layout(std430, binding = 0) readonly buffer RL { float rowLoss[]; };
layout(std430, binding = 1) readonly buffer RH { uint rowHit[]; };
layout(std430, binding = 2) buffer ACC { float acc[]; };
layout(std430, binding = 3) buffer HITS { uint hits[]; };
uniform uint n;

shared float sLoss[WG];
shared uint sHit[WG];

void main() {
    uint t = gl_LocalInvocationID.x;
    float l = 0.0;
    uint h = 0u;
    for (uint r = t; r < n; r += uint(WG)) {
        l += rowLoss[r];
        h += rowHit[r];
    }
    sLoss[t] = l;
    sHit[t] = h;
    barrier();
    for (uint s = uint(WG) / 2u; s > 0u; s >>= 1) {
        if (t < s) {
            sLoss[t] += sLoss[t + s];
            sHit[t] += sHit[t + s];
        }
        barrier();
    }
    if (t == 0u) {
        precise float y = sLoss[0] - acc[1];
        precise float sum = acc[0] + y;
        acc[1] = (sum - acc[0]) - y;
        acc[0] = sum;
        hits[0] += sHit[0];
    }
}
