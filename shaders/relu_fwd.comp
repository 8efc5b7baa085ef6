// relu_fwd.comp — y[i] = max(x[i], 0), elementwise over n items.
//
// Bindings: 0 x (read), 1 y (write). Uniform n; define WG.
// One invocation handles V elements (V = 4, as vec4, when the
// count is a multiple of 4; else 1); dispatch gpu.Grid1(n/V).
#include "common.glsl"
#ifndef V
#define V 1
#endif
#if V == 4
#define VT vec4
#else
#define VT float
#endif
layout(local_size_x = WG) in;
layout(std430, binding = 0) readonly buffer X { VT x[]; };
layout(std430, binding = 1) writeonly buffer Y { VT y[]; };
uniform uint n;      // elements / V

void main() {
    uint i = gid();
    if (i >= n) return;
    y[i] = max(x[i], VT(0.0));
}
