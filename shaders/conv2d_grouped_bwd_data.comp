// conv2d_grouped_bwd_data.comp — grouped 2-D convolution, input gradient,
// direct:
//
//   dx[n,g*CG+c,iy,ix] = sum_{k in group g, i, j} w[k,c,i,j] * dy[n,k,oy,ox]
//                        over oy = (iy+P-i)/S, ox = (ix+P-j)/S where the
//                        division is exact and 0 <= oy < OH, 0 <= ox < OW,
//
// with CG = C/G input and KG = K/G output channels per group, group g
// holding output channels g*KG .. g*KG+KG-1.
//
// Layouts (NCHW, row-major): dy (N,K,OH,OW), w (K,CG,KH,KW), dx (N,C,H,W).
// Bindings: 0 dy (read), 1 w (read), 2 dx (write; overwritten, not
// accumulated). Parameters N, C, H, W, K, KH, KW, S, P, OH, OW, G; define
// WG.
//
// One invocation computes one dx element, summing KG*KH*KW terms in a
// fixed order. Dispatch gpu.Grid1(N*C*H*W).
#include "common.glsl"
layout(local_size_x = WG) in;
layout(std430, binding = 0) readonly buffer DY { float dy[]; };
layout(std430, binding = 1) readonly buffer Wt { float w[]; };
layout(std430, binding = 2) writeonly buffer DX { float dx[]; };
uniform int N, C, H, W, K, KH, KW, S, P, OH, OW, G;

void main() {
    uint g = gid();
    if (g >= uint(N * C * H * W)) return;
    int t = int(g);
    int ix = t % W; t /= W;
    int iy = t % H; t /= H;
    int ci = t % C;
    int n = t / C;
    int CG = C / G, KG = K / G;
    int c = ci % CG;         // the channel within its group
    int k0 = ci / CG * KG;   // the group's first output channel
    float acc = 0.0;
    for (int k = k0; k < k0 + KG; k++) {
        for (int i = 0; i < KH; i++) {
            int ty = iy + P - i;
            if (ty < 0 || ty % S != 0 || ty / S >= OH) continue;
            int dyrow = ((n * K + k) * OH + ty / S) * OW;
            int wrow = ((k * CG + c) * KH + i) * KW;
            for (int j = 0; j < KW; j++) {
                int tx = ix + P - j;
                if (tx < 0 || tx % S != 0 || tx / S >= OW) continue;
                acc += dy[dyrow + tx / S] * w[wrow + j];
            }
        }
    }
    dx[g] = acc;
}
