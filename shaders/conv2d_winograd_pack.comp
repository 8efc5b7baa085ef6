// conv2d_winograd_pack.comp — Winograd F(2x2,3x3) filter transform: the
// 3x3 conv weights of each (outer, inner) channel pair, transformed once
// per step into the 4x4 tile the Winograd kernels multiply with
// (conv2d_fwd_winograd.comp, conv2d_bwd_data_winograd.comp):
//
//   U = G g G^T,  G = [1 0 0; 1/2 1/2 1/2; 1/2 -1/2 1/2; 0 0 1]
//   g[i][j] = w[a*SA + b*SB + T0 + (3i+j)*DT]
//   dst[(a*Bp + b)*4 + r] = (U[r][0], U[r][1], U[r][2], U[r][3]), 0 for b >= B
//
// for a < A outer channels, b < Bp inner channels (B rounded up to the
// kernel's channel block). The layers choose the strides as for
// conv2d_pack.comp (layers/conv_winograd.go):
//
//   forward (a = c input, b = k output):   SA = 9, SB = C*9, T0 = 0, DT = 1
//   input gradient (a = k, b = c, taps reversed: rot180 of w, transposed):
//                                          SA = C*9, SB = 9, T0 = 8, DT = -1
//
// Layouts: w (K,C,3,3) row-major; dst vec4s, the tile's rows innermost.
// Bindings: 0 w (read), 1 dst (write). Parameters A, B, Bp, SA, SB, T0,
// DT; define WG. The halves are exact in binary, so U is as exact as the
// sums of three products allow.
// One invocation writes one (a, b) tile (4 vec4s); dispatch gpu.Grid1(A*Bp).
#include "common.glsl"
layout(local_size_x = WG) in;
layout(std430, binding = 0) readonly buffer Wt { float w[]; };
layout(std430, binding = 1) writeonly buffer DST { vec4 dst[]; };
uniform int A, B, Bp, SA, SB, T0, DT;

// gt is the 4-vector G v of a 3-vector v.
vec4 gt(vec3 v) {
    return vec4(v.x, 0.5 * (v.x + v.y + v.z), 0.5 * (v.x - v.y + v.z), v.z);
}

void main() {
    uint e = gid();
    if (e >= uint(A * Bp)) return;
    int b = int(e) % Bp;
    int a = int(e) / Bp;
    if (b >= B) {
        for (int r = 0; r < 4; r++) dst[e * 4u + uint(r)] = vec4(0.0);
        return;
    }
    int o = a * SA + b * SB + T0;
    vec3 g0 = vec3(w[o], w[o + DT], w[o + 2 * DT]);
    vec3 g1 = vec3(w[o + 3 * DT], w[o + 4 * DT], w[o + 5 * DT]);
    vec3 g2 = vec3(w[o + 6 * DT], w[o + 7 * DT], w[o + 8 * DT]);
    // G g (rows), then each row times G^T.
    dst[e * 4u + 0u] = gt(g0);
    dst[e * 4u + 1u] = gt(0.5 * (g0 + g1 + g2));
    dst[e * 4u + 2u] = gt(0.5 * (g0 - g1 + g2));
    dst[e * 4u + 3u] = gt(g2);
}
