// argmax.comp — the predicted class of each row of logits:
//
//   dst[off + r] = the first c with z[r,c] == max_c z[r,.]
//
// Layouts: z (N,classes) row-major; dst a uint array of at least off+N.
// Bindings: 0 z (read), 1 dst (write, uint).
// One invocation handles one row; dispatch gpu.Grid1(N).
#include "common.glsl"
layout(local_size_x = WG) in;
layout(std430, binding = 0) readonly buffer Z { float z[]; };
layout(std430, binding = 1) writeonly buffer DST { uint dst[]; };
uniform uint n;
uniform uint classes;
uniform uint off;

void main() {
    uint r = gid();
    if (r >= n) return;
    uint base = r * classes;
    float m = z[base];
    uint arg = 0u;
    for (uint c = 1u; c < classes; c++) {
        float v = z[base + c];
        if (v > m) {
            m = v;
            arg = c;
        }
    }
    dst[off + r] = arg;
}
