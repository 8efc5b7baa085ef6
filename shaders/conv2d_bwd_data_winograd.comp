// conv2d_bwd_data_winograd.comp — 2-D convolution, input gradient,
// Winograd F(2x2,3x3) kernel for 3x3 stride 1 and padding P <= 2.
// Computes what conv2d_bwd_data.comp computes:
//
//   dx[n,c,iy,ix] = sum_{k,i,j} w[k,c,i,j] * dy[n,k, iy+P-i, ix+P-j]
//
// which is the stride-1 convolution of dy, zero-padded by 2-P, with the
// weights transposed (C <-> K) and rotated by 180 degrees, so this kernel
// is conv2d_fwd_winograd.comp itself, run with U from
// conv2d_winograd_pack.comp on those weights (A = K, B = C, taps
// reversed), the parameters C = K (dy channels), K = C (dx channels),
// H = OH, W = OW (dy's plane), P = 2-P, and ALIGNED, W4 and S0 of dy's
// plane and that padding. Bindings as there: 0 dy as vec4s (read), 1 dy
// as floats (read), 2 dx (write), 4 U (uniform block when WUBO is 1);
// HAS_BIAS is 0. Dispatch gpu.Grid2(N*ceil(dx's H/4)*ceil(dx's W/4),
// ceil(C/KB)).
#include "conv2d_fwd_winograd.comp"
