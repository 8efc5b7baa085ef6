// linear_bwd_data_vec.comp — fully connected layer, input gradient, vec4
// tiles for In % 4 == 0. Computes what linear_bwd_data.comp computes:
//
//   dx[n,i] = sum_o dy[n,o] * w[o,i]      (dx = dy W)
//
// Layouts (row-major): dy (N,Out), w (Out,In) as PyTorch Linear, dx
// (N,In), overwritten.
// Bindings: 0 dy (read), 1 w (read), 2 dx (write). Parameters N, In, Out
// (uniforms, so one program serves every shape); defines WG, TM, TV, DYV
// (1 when Out % 4 == 0: dy is read as vec4s).
//
// One invocation computes TM samples x TV vec4s of dx (TM*TV vec4
// accumulators, at most 64 floats, two arrays); w rows are read as vec4s
// along In, dy rows as vec4s along Out when DYV (scalars otherwise). The
// dx column block is the workgroup's y index, so the w addresses are
// uniform across a workgroup.
// Dispatch gpu.Grid2(ceil(N/TM), ceil(In/(4*TV))).
#include "common.glsl"
#ifndef TM
#define TM 4
#endif
layout(local_size_x = WG) in;
#ifndef TV
#define TV 2
#endif
#ifndef DYV
#define DYV 0
#endif
#if DYV
layout(std430, binding = 0) readonly buffer DY { vec4 dy4[]; };
#else
layout(std430, binding = 0) readonly buffer DY { float dy[]; };
#endif
layout(std430, binding = 1) readonly buffer Wt { vec4 w4[]; };
layout(std430, binding = 2) writeonly buffer DX { vec4 dx4[]; };
uniform int N, In, Out;

void main() {
    int in4 = In / 4;
    int MB = (N + TM - 1) / TM;
    int g = int(gl_GlobalInvocationID.x);
    bool live = g < MB;
    g = min(g, MB - 1);
    int m0 = g * TM;
    int i0 = int(gl_WorkGroupID.y) * TV;
    int ic[TV], dr[TM];
    for (int v = 0; v < TV; v++) ic[v] = min(i0 + v, in4 - 1);
    // Two vec4 accumulator arrays of at most 32 floats each (a larger
    // array goes to memory on llvmpipe): TM*TV <= 16.
    vec4 acc0[min(TM * TV, 8)];
#if TM * TV > 8
vec4 acc1[TM * TV - 8];
#define GET(e) ((e) < 8 ? acc0[min(e, 7)] : acc1[max((e) - 8, 0)])
#define SET(e, v) { if ((e) < 8) acc0[min(e, 7)] = (v); else acc1[max((e) - 8, 0)] = (v); }
#else
#define GET(e) acc0[e]
#define SET(e, v) acc0[e] = (v);
#endif
    for (int e = 0; e < TM * TV; e++) SET(e, vec4(0.0))
#if DYV
    int out4 = Out / 4;
    for (int u = 0; u < TM; u++) dr[u] = min(m0 + u, N - 1) * out4;
    for (int o4 = 0; o4 < out4; o4++) {
        vec4 a[TM];
        for (int u = 0; u < TM; u++) a[u] = dy4[dr[u] + o4];
        for (int k = 0; k < 4; k++) {
            vec4 b[TV];
            for (int v = 0; v < TV; v++) b[v] = w4[(o4 * 4 + k) * in4 + ic[v]];
            for (int u = 0; u < TM; u++)
                for (int v = 0; v < TV; v++) SET(u * TV + v, fma(vec4(a[u][k]), b[v], GET(u * TV + v)))
        }
    }
#else
    for (int u = 0; u < TM; u++) dr[u] = min(m0 + u, N - 1) * Out;
    for (int o = 0; o < Out; o++) {
        float a[TM];
        vec4 b[TV];
        for (int u = 0; u < TM; u++) a[u] = dy[dr[u] + o];
        for (int v = 0; v < TV; v++) b[v] = w4[o * in4 + ic[v]];
        for (int u = 0; u < TM; u++)
            for (int v = 0; v < TV; v++) SET(u * TV + v, fma(vec4(a[u]), b[v], GET(u * TV + v)))
    }
#endif
    if (!live) return;
    for (int u = 0; u < TM; u++)
        for (int v = 0; v < TV; v++)
            if (m0 + u < N && i0 + v < in4) dx4[(m0 + u) * in4 + i0 + v] = GET(u * TV + v);
}
