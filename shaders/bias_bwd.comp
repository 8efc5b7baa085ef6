// bias_bwd.comp — bias gradient, accumulated (Conv2D and Linear):
//
//   db[k] += sum_{n,p} dy[n,k,p]
//
// Layout: dy (N,K,HW) row-major (HW = OH*OW for a convolution, 1 for
// Linear), db (K). No atomics: each sum runs in a fixed order.
// Bindings: 0 dy (read), 1 dst. Uniforms N, K, HW, SL, accum; define WG.
//
// One invocation sums one channel k over one batch slice s of SL samples.
// With accum = 1 (a single slice) dst is db (+=); else dst is partial
// (slices, K) (=) and reduce_slices.comp adds the slices into db in order.
// Dispatch gpu.Grid2(K, ceil(N/SL)), local size (WG,1,1).
#include "common.glsl"
layout(local_size_x = WG) in;
layout(std430, binding = 0) readonly buffer DY { float dy[]; };
layout(std430, binding = 1) buffer DST { float dst[]; };
uniform int N, K, HW;
uniform int SL;
uniform int accum;

void main() {
    int k = int(gl_GlobalInvocationID.x);
    int s = int(gl_GlobalInvocationID.y);
    if (k >= K) return;
    int n1 = min(N, (s + 1) * SL);
    float acc = 0.0;
    for (int n = s * SL; n < n1; n++) {
        int base = (n * K + k) * HW;
        for (int p = 0; p < HW; p++) acc += dy[base + p];
    }
    if (accum != 0) dst[k] += acc;
    else dst[s * K + k] = acc;
}
