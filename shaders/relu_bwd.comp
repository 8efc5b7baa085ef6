// relu_bwd.comp — dx[i] = dy[i] if y[i] > 0 else 0, elementwise over n
// items, from the saved forward output y (y > 0 exactly where x > 0; the
// gradient at 0 is 0, as PyTorch).
//
// Bindings: 0 y (read), 1 dy (read), 2 dx (write); dx may be dy's buffer
// (in place): each invocation reads its element before writing it.
// Uniform n; define WG. One invocation handles one element; dispatch
// gpu.Grid1(n).
#include "common.glsl"
layout(local_size_x = WG) in;
layout(std430, binding = 0) readonly buffer Y { float y[]; };
layout(std430, binding = 1) buffer DY { float dy[]; };
layout(std430, binding = 2) buffer DX { float dx[]; };
uniform uint n;

void main() {
    uint i = gid();
    if (i >= n) return;
    float g = dy[i];
    dx[i] = y[i] > 0.0 ? g : 0.0;
}
