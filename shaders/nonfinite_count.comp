// nonfinite_count.comp — counts the values of a float buffer that are not
// finite (NaN, +Inf or -Inf), without atomics:
//
//   count[slot] = #{ i < n : x[i] is NaN or infinite }
//
// A float32 is not finite exactly when its 8 exponent bits are all ones;
// the test is made on the bits (floatBitsToUint), not with isnan/isinf,
// which a driver compiling under fast-math assumptions may fold to false.
// Order: invocation t counts elements t, t+WG, t+2*WG, ... (coalesced),
// then a fixed binary tree in shared memory adds the WG counts; integer
// sums, so the count is exact and the same on every run. count[slot] is
// overwritten, not added to.
// Layouts: x (n), count (one uint per slot).
// Bindings: 0 x (read), 1 count (write, uint).
// Exactly one workgroup of WG (a power of two) invocations; dispatch
// gpu.Grid1(WG).
#include "common.glsl"
layout(local_size_x = WG) in;
layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) writeonly buffer COUNT { uint count[]; };
uniform uint n;
uniform uint slot;

shared uint sCount[WG];

void main() {
    uint t = gl_LocalInvocationID.x;
    uint c = 0u;
    for (uint i = t; i < n; i += uint(WG)) {
        if ((floatBitsToUint(x[i]) & 0x7f800000u) == 0x7f800000u) c++;
    }
    sCount[t] = c;
    barrier();
    for (uint s = uint(WG) / 2u; s > 0u; s >>= 1) {
        if (t < s) sCount[t] += sCount[t + s];
        barrier();
    }
    if (t == 0u) count[slot] = sCount[0];
}
