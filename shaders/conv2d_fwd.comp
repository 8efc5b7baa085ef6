// conv2d_fwd.comp — 2-D convolution, forward, direct (the reference
// kernel on the GPU; PyTorch Conv2d, groups=1, dilation=1):
//
//   y[n,k,oy,ox] = b[k] + sum_{c,i,j} x[n,c, oy*S-P+i, ox*S-P+j] * w[k,c,i,j]
//
// where input positions outside the image read as zero.
//
// Layouts (NCHW, row-major): x (N,C,H,W), w (K,C,KH,KW), b (K), y (N,K,OH,OW).
// Bindings: 0 x (read), 1 w (read), 2 y (write), 3 b (read; only when
// HAS_BIAS is 1). Parameters N, C, H, W, K, KH, KW, S, P, OH, OW; defines
// WG, HAS_BIAS.
//
// One invocation computes one y element, summing C*KH*KW products in a
// fixed order. Dispatch gpu.Grid1(N*K*OH*OW).
//
// Variants of this pass: conv2d_fwd_blocked.comp (register-blocked, any
// shape), conv2d_fwd_vec.comp (vec4, stride-1 3x3 pad-1 only).
#include "common.glsl"
#ifndef HAS_BIAS
#define HAS_BIAS 0
#endif
layout(local_size_x = WG) in;
layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) readonly buffer Wt { float w[]; };
layout(std430, binding = 2) writeonly buffer Y { float y[]; };
#if HAS_BIAS
layout(std430, binding = 3) readonly buffer B { float b[]; };
#endif
uniform int N, C, H, W, K, KH, KW, S, P, OH, OW;

void main() {
    uint g = gid();
    if (g >= uint(N * K * OH * OW)) return;
    int t = int(g);
    int ox = t % OW; t /= OW;
    int oy = t % OH; t /= OH;
    int k = t % K;
    int n = t / K;
#if HAS_BIAS
    float acc = b[k];
#else
    float acc = 0.0;
#endif
    for (int c = 0; c < C; c++) {
        for (int i = 0; i < KH; i++) {
            int iy = oy * S - P + i;
            if (iy < 0 || iy >= H) continue;
            int xrow = ((n * C + c) * H + iy) * W;
            int wrow = ((k * C + c) * KH + i) * KW;
            for (int j = 0; j < KW; j++) {
                int ix = ox * S - P + j;
                if (ix < 0 || ix >= W) continue;
                acc += x[xrow + ix] * w[wrow + j];
            }
        }
    }
    y[g] = acc;
}
