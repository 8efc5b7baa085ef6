// leakyrelu_bwd.comp — dx[i] = dy[i] if y[i] > 0 else slope * dy[i],
// elementwise over n items, from the saved forward output y. With
// slope >= 0, y > 0 exactly where x > 0, so this is PyTorch's
// leaky_relu_backward (x > 0 ? dy : dy * slope; the gradient at 0 is slope).
//
// Bindings: 0 y (read), 1 dy (read), 2 dx (write). Uniforms n, slope;
// define WG. One invocation handles V elements (V = 4, as vec4, when the
// count is a multiple of 4; else 1); dispatch gpu.Grid1(n/V).
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
layout(std430, binding = 1) readonly buffer DY { VT dy[]; };
layout(std430, binding = 2) writeonly buffer DX { VT dx[]; };
uniform uint n;      // elements / V
uniform float slope; // negative slope, >= 0

void main() {
    uint i = gid();
    if (i >= n) return;
    VT g = dy[i];
    // A select, not a blend: the unchosen side never reaches dx.
    dx[i] = mix(g * slope, g, POSITIVE(y[i]));
}
