// conv2d_pack.comp — repacks conv weights for the blocked and vec kernels,
// so that the weights a tap needs for a block of channels are aligned vec4
// loads. A strided gather with zero padding:
//
//   dst[(a*T + t)*Bp + b] = b < B ? w[a*SA + b*SB + T0 + t*DT] : 0
//
// for a < A outer channels, t < T = KH*KW taps, b < Bp inner channels (B
// rounded up to the kernel's channel block). The layers choose the strides
// (layers/conv.go, weightPacking):
//
//   forward (output channel innermost):  a = c, b = k: SA = T, SB = C*T
//   input gradient (input innermost):    a = k, b = c: SA = C*T, SB = T
//   taps in order: T0 = 0, DT = 1; reversed (vec input gradient):
//   T0 = T-1, DT = -1.
//
// Layouts: w (K,C,KH,KW) row-major. Bindings: 0 w (read), 1 dst (write).
// Parameters A, B, T, Bp, SA, SB, T0, DT; define WG.
// One invocation writes one dst element; dispatch gpu.Grid1(A*T*Bp).
#include "common.glsl"
layout(local_size_x = WG) in;
layout(std430, binding = 0) readonly buffer Wt { float w[]; };
layout(std430, binding = 1) writeonly buffer DST { float dst[]; };
uniform int A, B, T, Bp, SA, SB, T0, DT;

void main() {
    uint e = gid();
    if (e >= uint(A * T * Bp)) return;
    int r = int(e);
    int b = r % Bp; r /= Bp;
    int t = r % T;
    int a = r / T;
    dst[e] = b < B ? w[a * SA + b * SB + T0 + t * DT] : 0.0;
}
