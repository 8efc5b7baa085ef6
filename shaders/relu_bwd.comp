// relu_bwd.comp — dx[i] = dy[i] if y[i] > 0 else 0, elementwise over n
// items, from the saved forward output y (y > 0 exactly where x > 0; the
// gradient at 0 is 0, as PyTorch).
//
// Bindings: 0 y (read), 1 dy (read), 2 dx (write); dx may be dy's buffer
// (in place): each invocation reads its element before writing it.
// Uniform n; define WG. One invocation handles one element; dispatch
// gpu.Grid1(n).
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
layout(std430, binding = 0) readonly buffer Y { VT y[]; };
layout(std430, binding = 1) buffer DY { VT dy[]; };
layout(std430, binding = 2) buffer DX { VT dx[]; };
uniform uint n;      // elements / V

void main() {
    uint i = gid();
    if (i >= n) return;
    // A select, not a product: 0 * inf would be NaN.
    dx[i] = mix(VT(0.0), dy[i], POSITIVE(y[i]));
}
