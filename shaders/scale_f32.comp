// scale_f32.comp — y[i] = a * x[i] + b, elementwise over n items.
//
// Bindings: 0 x (read), 1 y (write); x and y may be the same buffer.
// One invocation handles one element; dispatch gpu.Grid1(n).
#include "common.glsl"
layout(local_size_x = WG) in;
layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) writeonly buffer Y { float y[]; };
uniform uint n;
uniform float a;
uniform float b;

void main() {
    uint i = gid();
    if (i >= n) return;
    y[i] = a * x[i] + b;
}
