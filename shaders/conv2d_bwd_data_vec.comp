// conv2d_bwd_data_vec.comp — 2-D convolution, input gradient, vec4 kernel
// for stride 1, 3x3, pad 1 and H*W a multiple of 4. Computes what
// conv2d_bwd_data.comp computes:
//
//   dx[n,c,iy,ix] = sum_{k,i,j} w[k,c,i,j] * dy[n,k, iy+1-i, ix+1-j]
//
// The input gradient of such a convolution is the convolution of dy with
// the weights transposed (C <-> K) and flipped (tap t -> 8-t), so this
// kernel is conv2d_fwd_vec.comp itself, run with the weights packed by
// conv2d_pack.comp with the input channel innermost and the taps reversed
// (layers: packInputFlipped), and the parameters C = K (dy channels),
// K = C (dx channels), H, W (the planes, the same for dy and dx).
// Bindings and defines as there: 0 dy (read), 2 dx (write), 4 packed
// weights (uniform block when WUBO is 1); HAS_BIAS is 0.
// Dispatch gpu.Grid2(N*ceil(H*W/(4*PV)), ceil(C/KB)).
#include "conv2d_fwd_vec.comp"
