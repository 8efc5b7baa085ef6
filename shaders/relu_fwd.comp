// relu_fwd.comp — y[i] = max(x[i], 0), elementwise over n items.
//
// Bindings: 0 x (read), 1 y (write). Uniform n; define WG.
// One invocation handles one element; dispatch gpu.Grid1(n).
#include "common.glsl"
layout(local_size_x = WG) in;
layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) writeonly buffer Y { float y[]; };
uniform uint n;

void main() {
    uint i = gid();
    if (i >= n) return;
    float v = x[i];
    y[i] = v > 0.0 ? v : 0.0;
}
