// conv2d_grouped_bwd_filter.comp — grouped 2-D convolution, weight
// gradient, accumulated, direct:
//
//   dw[k,c,i,j] += sum_{(n,oy) in rows [R0,R1), ox} x[n, g*CG+c, oy*S-P+i, ox*S-P+j] * dy[n,k,oy,ox]
//
// with CG = C/G, g = k/(K/G) output channel k's group, and the output rows
// of the batch numbered r = n*OH + oy; input positions outside the image
// read as zero. No atomics: every sum runs in a fixed order, so results
// are deterministic.
//
// Layouts (NCHW, row-major): x (N,C,H,W), dy (N,K,OH,OW), dw (K,CG,KH,KW).
// Bindings: 0 x (read), 1 dy (read), 2 dw (read-write, +=). Parameters
// N, C, H, W, K, KH, KW, S, P, OH, OW, G, R0, R1; define WG.
//
// One invocation owns one dw element and sums over the output rows
// [R0, R1). Dispatch gpu.Grid1(K*CG*KH*KW) once per slice of rows, in
// order: llvmpipe ends an invocation's loops after 65535 iterations in
// all (docs/llvmpipe.md), so the layer keeps (R1-R0)*(OW+1) under that.
// Slicing rows rather than samples bounds the sum even for one sample of
// a large image.
#include "common.glsl"
layout(local_size_x = WG) in;
layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) readonly buffer DY { float dy[]; };
layout(std430, binding = 2) buffer DW { float dw[]; };
uniform int N, C, H, W, K, KH, KW, S, P, OH, OW, G;
uniform int R0, R1;

void main() {
    uint g = gid();
    int CG = C / G;
    if (g >= uint(K * CG * KH * KW)) return;
    int t = int(g);
    int j = t % KW; t /= KW;
    int i = t % KH; t /= KH;
    int c = t % CG;
    int k = t / CG;
    int ci = k / (K / G) * CG + c; // the input channel
    float acc = 0.0;
    for (int r = R0; r < R1; r++) {
        int n = r / OH, oy = r % OH;
        int iy = oy * S - P + i;
        if (iy < 0 || iy >= H) continue;
        int xrow = ((n * C + ci) * H + iy) * W;
        int dyrow = ((n * K + k) * OH + oy) * OW;
        for (int ox = 0; ox < OW; ox++) {
            int ix = ox * S - P + j;
            if (ix < 0 || ix >= W) continue;
            acc += x[xrow + ix] * dy[dyrow + ox];
        }
    }
    dw[g] += acc;
}
