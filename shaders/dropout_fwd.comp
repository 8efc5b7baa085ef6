// dropout_fwd.comp — training-mode inverted dropout with drop probability p:
//
//   keep[i] = uniform01(hash32(seed), i) >= p      (rng.glsl; ref.Uniform)
//   y[i]    = keep[i] ? x[i] * scale : 0,   scale = 1/(1-p)
//   mask bit (i & 31) of word i >> 5 = keep[i]
//
// Layouts: x, y flat (n); mask (ceil(n/32)) uint words, bit b of word w is
// element 32w+b.
// Bindings: 0 x (read), 1 y (write), 2 mask (write).
// One invocation handles the 32 elements of one mask word (so no two
// invocations write a word: no atomics); dispatch gpu.Grid1(ceil(n/32)).
#include "common.glsl"
#include "rng.glsl"
layout(local_size_x = WG) in;
layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) writeonly buffer Y { float y[]; };
layout(std430, binding = 2) writeonly buffer MASK { uint mask[]; };
uniform uint n;
uniform uint seed;
uniform float p;
uniform float scale;

void main() {
    uint w = gid();
    uint i0 = w * 32u;
    if (i0 >= n) return;
    uint sh = hash32(seed);
    uint bits = 0u;
    uint end = min(i0 + 32u, n);
    for (uint i = i0; i < end; i++) {
        bool keep = uniform01(sh, i) >= p;
        y[i] = keep ? x[i] * scale : 0.0;
        bits |= keep ? (1u << (i - i0)) : 0u;
    }
    mask[w] = bits;
}
