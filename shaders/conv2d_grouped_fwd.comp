// conv2d_grouped_fwd.comp — grouped 2-D convolution, forward, direct
// (PyTorch Conv2d with groups=G, dilation=1; G = C = K is depthwise):
//
//   y[n,k,oy,ox] = b[k] + sum_{c<CG,i,j} x[n, g*CG+c, oy*S-P+i, ox*S-P+j] * w[k,c,i,j]
//
// where CG = C/G input channels per group, g = k/(K/G) is output channel
// k's group, and input positions outside the image read as zero.
//
// Layouts (NCHW, row-major): x (N,C,H,W), w (K,CG,KH,KW), b (K),
// y (N,K,OH,OW). Bindings: 0 x (read), 1 w (read), 2 y (write), 3 b
// (read). Parameters N, C, H, W, K, KH, KW, S, P, OH, OW, G (G divides C
// and K); define WG.
//
// One invocation computes one y element, summing CG*KH*KW products in a
// fixed order. Dispatch gpu.Grid1(N*K*OH*OW).
//
// The only variant of this pass (no blocked kernel: a group's few input
// channels leave little to block over).
#include "common.glsl"
layout(local_size_x = WG) in;
layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) readonly buffer Wt { float w[]; };
layout(std430, binding = 2) writeonly buffer Y { float y[]; };
layout(std430, binding = 3) readonly buffer B { float b[]; };
uniform int N, C, H, W, K, KH, KW, S, P, OH, OW, G;

void main() {
    uint g = gid();
    if (g >= uint(N * K * OH * OW)) return;
    int t = int(g);
    int ox = t % OW; t /= OW;
    int oy = t % OH; t /= OH;
    int k = t % K;
    int n = t / K;
    int CG = C / G;
    int c0 = k / (K / G) * CG; // the group's first input channel
    float acc = b[k];
    for (int c = 0; c < CG; c++) {
        for (int i = 0; i < KH; i++) {
            int iy = oy * S - P + i;
            if (iy < 0 || iy >= H) continue;
            int xrow = ((n * C + c0 + c) * H + iy) * W;
            int wrow = ((k * CG + c) * KH + i) * KW;
            for (int j = 0; j < KW; j++) {
                int ix = ox * S - P + j;
                if (ix < 0 || ix >= W) continue;
                acc += x[xrow + ix] * w[wrow + j];
            }
        }
    }
    y[g] = acc;
}
