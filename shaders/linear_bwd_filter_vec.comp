// linear_bwd_filter_vec.comp — fully connected layer, weight gradient,
// vec4 tiles for In % 4 == 0, two-stage. Computes what
// linear_bwd_filter.comp computes, over batch slices:
//
//   dw[o,i] += sum_n dy[n,o] * x[n,i]     (dW += dy^T x)
//
// No atomics: each sum runs in a fixed order.
//
// Layouts (row-major): x (N,In), dy (N,Out), dw (Out,In) as PyTorch
// Linear's weight;
// partial (slices, Out, In).
// Bindings: 0 dy (read), 1 x (read), 2 dst: dw (+=) when accum is 1 (one
// slice), else partial (=), added into dw by reduce_slices.comp in order.
// Parameters N, SL (samples per slice), accum; defines WG, TQ, TV, IN,
// OUT (In and Out compiled in).
//
// One invocation computes TQ outputs x TV vec4s of dw (TQ*TV vec4
// accumulators, at most 64 floats, two arrays) over one batch slice of SL
// samples; per sample it reads x[n, i..] as TV vec4s and dy[n, q..] as
// vec4s when Out % 4 == 0 and TQ % 4 == 0 (scalars otherwise). The
// workgroup's y index is qblock + ceil(Out/TQ) * slice, so the dy
// addresses are uniform across a workgroup. The slices bound each
// invocation's loop (llvmpipe's 65535 iterations).
// Dispatch gpu.Grid2(ceil(In/(4*TV)), ceil(Out/TQ) * slices).
#include "common.glsl"
layout(local_size_x = WG) in;
#ifndef TV
#define TV 2
#endif
#ifndef TQ
#define TQ 4
#endif
#define IN4 (IN / 4)
#define OUT4 (OUT / 4)
#define DYV (OUT % 4 == 0 && TQ % 4 == 0)
#if DYV
layout(std430, binding = 0) readonly buffer DY { vec4 dy4[]; };
#else
layout(std430, binding = 0) readonly buffer DY { float dy[]; };
#endif
layout(std430, binding = 1) readonly buffer X { vec4 x4[]; };
layout(std430, binding = 2) buffer DW { vec4 dw4[]; };
uniform int N, SL, accum;

void main() {
    int IB = (IN4 + TV - 1) / TV;
    const int QBN = (OUT + TQ - 1) / TQ;
    int g = int(gl_GlobalInvocationID.x);
    bool live = g < IB;
    g = min(g, IB - 1);
    int i0 = g * TV;
    int y = int(gl_WorkGroupID.y);
    int q0 = y % QBN * TQ;
    int s = y / QBN;
    int n0 = s * SL;
    int n1 = min(N, n0 + SL);
    int ic[TV];
    for (int v = 0; v < TV; v++) ic[v] = min(i0 + v, IN4 - 1);
    // Two vec4 accumulator arrays of at most 32 floats each (a larger
    // array goes to memory on llvmpipe): TQ*TV <= 16.
    vec4 acc0[min(TQ * TV, 8)];
#if TQ * TV > 8
vec4 acc1[TQ * TV - 8];
#define GET(e) ((e) < 8 ? acc0[min(e, 7)] : acc1[max((e) - 8, 0)])
#define SET(e, v) { if ((e) < 8) acc0[min(e, 7)] = (v); else acc1[max((e) - 8, 0)] = (v); }
#else
#define GET(e) acc0[e]
#define SET(e, v) acc0[e] = (v);
#endif
    for (int e = 0; e < TQ * TV; e++) SET(e, vec4(0.0))
    for (int n = n0; n < n1; n++) {
        float a[TQ];
#if DYV
        for (int k = 0; k < TQ / 4; k++) {
            vec4 d = dy4[n * OUT4 + min(q0 / 4 + k, OUT4 - 1)];
            a[4 * k] = d.x; a[4 * k + 1] = d.y; a[4 * k + 2] = d.z; a[4 * k + 3] = d.w;
        }
#else
        for (int u = 0; u < TQ; u++) a[u] = dy[n * OUT + min(q0 + u, OUT - 1)];
#endif
        vec4 b[TV];
        for (int v = 0; v < TV; v++) b[v] = x4[n * IN4 + ic[v]];
        for (int u = 0; u < TQ; u++)
            for (int v = 0; v < TV; v++) SET(u * TV + v, fma(vec4(a[u]), b[v], GET(u * TV + v)))
    }
    if (!live) return;
    int base = accum != 0 ? 0 : s * OUT * IN4;
    for (int u = 0; u < TQ; u++)
        for (int v = 0; v < TV; v++)
            if (q0 + u < OUT && i0 + v < IN4) {
                int e = base + (q0 + u) * IN4 + i0 + v;
                if (accum != 0) dw4[e] += GET(u * TV + v);
                else dw4[e] = GET(u * TV + v);
            }
}
