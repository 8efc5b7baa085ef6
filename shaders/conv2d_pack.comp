// conv2d_pack.comp — repacks conv weights for the blocked kernels, so that
// the weights a tap needs for a block of channels are aligned vec4 loads:
//
//   mode 0 (forward):     dst[(c*T + t)*Bp + k] = w[(k*C + c)*T + t]
//   mode 1 (input grad):  dst[(k*T + t)*Bp + c] = w[(k*C + c)*T + t]
//   mode 2 (input grad, flipped taps):
//                         dst[(k*T + t)*Bp + c] = w[(k*C + c)*T + T-1-t]
//
// with T = KH*KW taps and Bp the channel count (K in mode 0, C in modes 1, 2)
// rounded up to the kernel's block; the padding is zero.
// Layouts: w (K,C,KH,KW) row-major. Bindings: 0 w (read), 1 dst (write).
// One invocation writes one dst element; dispatch gpu.Grid1(A*T*Bp) with
// A = C (mode 0) or K (modes 1, 2).
#include "common.glsl"
layout(local_size_x = WG) in;
layout(std430, binding = 0) readonly buffer Wt { float w[]; };
layout(std430, binding = 1) writeonly buffer DST { float dst[]; };
uniform int K, C, T, Bp, mode;

void main() {
    uint e = gid();
    int A = mode == 0 ? C : K;
    if (e >= uint(A * T * Bp)) return;
    int t = int(e);
    int b = t % Bp; t /= Bp;
    int tap = t % T;
    int a = t / T;
    int k = mode == 0 ? b : a;
    int c = mode == 0 ? a : b;
    int B = mode == 0 ? K : C;
    if (mode == 2) tap = T - 1 - tap;
    dst[e] = b < B ? w[(k * C + c) * T + tap] : 0.0;
}
