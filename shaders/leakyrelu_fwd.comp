// leakyrelu_fwd.comp — y[i] = x[i] if x[i] > 0 else slope * x[i],
// elementwise over n items (PyTorch LeakyReLU(slope), slope >= 0).
//
// Bindings: 0 x (read), 1 y (write). Uniforms n, slope; define WG.
// One invocation handles V elements (V = 4, as vec4, when the count is a
// multiple of 4; else 1); dispatch gpu.Grid1(n/V).
#include "common.glsl"
#ifndef V
#define V 1
#endif
#if V == 4
#define VT vec4
#define POSITIVE(v) greaterThan(v, vec4(0.0))
#else
#define VT float
#define POSITIVE(v) ((v) > 0.0)
#endif
layout(local_size_x = WG) in;
layout(std430, binding = 0) readonly buffer X { VT x[]; };
layout(std430, binding = 1) writeonly buffer Y { VT y[]; };
uniform uint n;      // elements / V
uniform float slope; // negative slope, >= 0

void main() {
    uint i = gid();
    if (i >= n) return;
    VT v = x[i];
    // A select, as PyTorch's x > 0 ? x : x * slope (NaN takes the second).
    y[i] = mix(v * slope, v, POSITIVE(v));
}
