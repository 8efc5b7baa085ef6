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
// Parameters N, In, Out, SL (samples per slice), accum (uniforms, so one
// program serves every shape); defines WG, TQ, TV, DYV (1 when
// Out % 4 == 0).
//
// One invocation computes TQ outputs x TV vec4s of dw (TQ*TV vec4
// accumulators, at most 64 floats, two arrays) over one batch slice of SL
// samples; per sample it reads x[n, i..] as TV vec4s and dy[n, q..] as
// vec4s when DYV and TQ % 4 == 0 (scalars otherwise). The workgroup's
// y index is the output block and its z index the slice (no division by
// a uniform), so the dy addresses are uniform across a workgroup. The
// slices bound each invocation's loop (llvmpipe's 65535 iterations).
// Dispatch gpu.Grid3(ceil(In/(4*TV)), ceil(Out/TQ), slices).
#include "common.glsl"
layout(local_size_x = WG) in;
#ifndef TV
#define TV 2
#endif
#ifndef TQ
#define TQ 4
#endif
#ifndef DYV
#define DYV 0
#endif
#define DY4 (DYV && TQ % 4 == 0)
#if DY4
layout(std430, binding = 0) readonly buffer DY { vec4 dy4[]; };
#else
layout(std430, binding = 0) readonly buffer DY { float dy[]; };
#endif
layout(std430, binding = 1) readonly buffer X { vec4 x4[]; };
layout(std430, binding = 2) buffer DW { vec4 dw4[]; };
uniform int N, In, Out, SL, accum;

void main() {
    int in4 = In / 4;
    int IB = (in4 + TV - 1) / TV;
    int g = int(gl_GlobalInvocationID.x);
    bool live = g < IB;
    g = min(g, IB - 1);
    int i0 = g * TV;
    int q0 = int(gl_WorkGroupID.y) * TQ;
    int s = int(gl_WorkGroupID.z);
    int n0 = s * SL;
    int n1 = min(N, n0 + SL);
    // Column indices (clamped) and row strides of dy and x, out of the
    // sample loop, which steps row offsets (In and Out are uniforms).
#if DY4
    int dys = Out / 4, dc[TQ / 4];
    for (int k = 0; k < TQ / 4; k++) dc[k] = min(q0 / 4 + k, dys - 1);
#else
    int dys = Out, dc[TQ];
    for (int u = 0; u < TQ; u++) dc[u] = min(q0 + u, Out - 1);
#endif
    int ic[TV];
    for (int v = 0; v < TV; v++) ic[v] = min(i0 + v, in4 - 1);
    int dr = n0 * dys, xr = n0 * in4;
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
#if DY4
        for (int k = 0; k < TQ / 4; k++) {
            vec4 d = dy4[dr + dc[k]];
            a[4 * k] = d.x; a[4 * k + 1] = d.y; a[4 * k + 2] = d.z; a[4 * k + 3] = d.w;
        }
#else
        for (int u = 0; u < TQ; u++) a[u] = dy[dr + dc[u]];
#endif
        vec4 b[TV];
        for (int v = 0; v < TV; v++) b[v] = x4[xr + ic[v]];
        for (int u = 0; u < TQ; u++)
            for (int v = 0; v < TV; v++) SET(u * TV + v, fma(vec4(a[u]), b[v], GET(u * TV + v)))
        dr += dys;
        xr += in4;
    }
    if (!live) return;
    int base = accum != 0 ? 0 : s * Out * in4;
    for (int u = 0; u < TQ; u++)
        for (int v = 0; v < TV; v++)
            if (q0 + u < Out && i0 + v < in4) {
                int e = base + (q0 + u) * in4 + i0 + v;
                if (accum != 0) dw4[e] += GET(u * TV + v);
                else dw4[e] = GET(u * TV + v);
            }
}
