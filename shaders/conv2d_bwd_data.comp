// conv2d_bwd_data.comp — 2-D convolution, input gradient, direct (the
// reference kernel on the GPU):
//
//   dx[n,c,iy,ix] = sum_{k,i,j} w[k,c,i,j] * dy[n,k,oy,ox]
//                   over oy = (iy+P-i)/S, ox = (ix+P-j)/S where the division
//                   is exact and 0 <= oy < OH, 0 <= ox < OW.
//
// Layouts (NCHW, row-major): dy (N,K,OH,OW), w (K,C,KH,KW), dx (N,C,H,W).
// Bindings: 0 dy (read), 1 w (read), 2 dx (write; overwritten, not
// accumulated). Parameters N, C, H, W, K, KH, KW, S, P, OH, OW; define WG.
//
// One invocation computes one dx element. Dispatch gpu.Grid1(N*C*H*W).
//
// Variants of this pass: conv2d_bwd_data_blocked.comp (register-blocked,
// any shape), conv2d_bwd_data_vec.comp (vec4, stride-1 3x3 pad-1 only).
#include "common.glsl"
layout(local_size_x = WG) in;
layout(std430, binding = 0) readonly buffer DY { float dy[]; };
layout(std430, binding = 1) readonly buffer Wt { float w[]; };
layout(std430, binding = 2) writeonly buffer DX { float dx[]; };
uniform int N, C, H, W, K, KH, KW, S, P, OH, OW;

void main() {
    uint g = gid();
    if (g >= uint(N * C * H * W)) return;
    int t = int(g);
    int ix = t % W; t /= W;
    int iy = t % H; t /= H;
    int c = t % C;
    int n = t / C;
    float acc = 0.0;
    for (int k = 0; k < K; k++) {
        for (int i = 0; i < KH; i++) {
            int ty = iy + P - i;
            if (ty < 0 || ty % S != 0 || ty / S >= OH) continue;
            int dyrow = ((n * K + k) * OH + ty / S) * OW;
            int wrow = ((k * C + c) * KH + i) * KW;
            for (int j = 0; j < KW; j++) {
                int tx = ix + P - j;
                if (tx < 0 || tx % S != 0 || tx / S >= OW) continue;
                acc += dy[dyrow + tx / S] * w[wrow + j];
            }
        }
    }
    dx[g] = acc;
}
