// fill_f32.comp — y[i] = value for i in [offset, offset+n).
//
// Layout: y is a flat float32 array. Binding 0: y.
// One invocation writes one element; dispatch gpu.Grid1(n).
#include "common.glsl"
layout(local_size_x = WG) in;
layout(std430, binding = 0) buffer Y { float y[]; };
uniform uint n;
uniform uint offset;
uniform float value;

void main() {
    uint i = gid();
    if (i >= n) return;
    y[offset + i] = value;
}
