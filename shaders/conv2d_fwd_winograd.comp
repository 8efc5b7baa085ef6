// conv2d_fwd_winograd.comp — 2-D convolution, forward, Winograd
// F(2x2,3x3) kernel for 3x3 stride 1 and any padding P <= 2. Computes
// what conv2d_fwd.comp computes, OH = H + 2P - 2, OW = W + 2P - 2:
//
//   y[n,k,oy,ox] = b[k] + sum_{c,i,j} x[n,c, oy-P+i, ox-P+j] * w[k,c,i,j]
//
// tile by tile: for each 2x2 output tile at (oy0, ox0) and its 4x4 input
// tile d_c (rows oy0-P.., columns ox0-P.., zero outside the image),
//
//   V_c = B^T d_c B,  M = sum_c U_kc (.) V_c,  y_tile = b[k] + A^T M A
//   B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1],  A^T = [1 1 1 0; 0 1 -1 -1]
//
// with U_kc = G g_kc G^T from conv2d_winograd_pack.comp: 16 multiplies per
// tile and channel pair instead of 36.
//
// Layouts (NCHW, row-major): x (N,C,H,W), b (K), y (N,K,OH,OW); U packed
// with the output channel inner: wp[(c*Kp + k)*4 + r] = row r of U_kc, Kp
// = K rounded up to KB. Bindings: 0 x as vec4s (read), 1 x as floats
// (read; the same buffer, for a last partial vec4), 2 y (write), 3 b
// (read; only when HAS_BIAS is 1), 4 U (read): a uniform block when WUBO
// is 1 (WN vec4s: the bound range must back them all, so the layers
// round U's buffer up and kernels of different sizes share WN), else a
// storage buffer. Parameters N, C, K, H, W, P (the shape: one program
// serves every plane size and padding); defines WG, KB (4, 8 or 16),
// HAS_BIAS, WUBO, WN (only when WUBO), ALIGNED (1 when H*W % 4 == 0 and W
// is even: the misalignment of each window row is then a compile-time
// constant, (S0 + R*W4) % 4 for row R) and, when ALIGNED, W4 = W % 4 (0 or
// 2) and S0 = -P*(W4+1) mod 4, row 0's misalignment.
//
// One invocation computes KB output channels of a 2x2 block of tiles (4
// output rows x 4 columns), 64 accumulators per channel (two arrays of 8
// vec4s, one per tile row). Per input channel it loads the 6x6 input
// window as 6 rows of three vec4s of the flattened x (any alignment: the
// window is shifted into place with selects), masks what lies outside the
// image, transforms the four tiles (B^T d on whole rows, then 16 adds per
// tile) and does 64 FMAs per output channel; no barrier, no shared memory.
// Lanes run over (n, tile-row pair, tile pair); the channel block is
// gl_WorkGroupID.y. Dispatch gpu.Grid2(N*ceil(OH/4)*ceil(OW/4), ceil(K/KB)).
//
// On llvmpipe the blocking pays: the window's loads and transforms serve
// KB channels (with one tile row, 8 measured ~1.25x faster than 4), and
// the two tile rows share two of their four input rows (~1.4x faster than
// one at KB 8). layers/conv_winograd.go says why KB is not 16.
//
// conv2d_bwd_data_winograd.comp is this kernel run on dy with the flipped,
// transposed weights and padding 2-P.
#include "common.glsl"
#ifndef KB
#define KB 8
#endif
#ifndef HAS_BIAS
#define HAS_BIAS 0
#endif
#ifndef WUBO
#define WUBO 0
#endif
// ALIGNED has no default: only the layer knows the plane, so a build that
// leaves it out is a mistake, and fails (TestProgramsKeepFirstError
// builds this kernel with no defines to see a build fail).
#ifndef ALIGNED
#error ALIGNED (0 or 1) is the layer's to set, from the plane's size
#endif
layout(local_size_x = WG) in;
layout(std430, binding = 0) readonly buffer X { vec4 xv4[]; };
layout(std430, binding = 1) readonly buffer XS { float xs[]; };
layout(std430, binding = 2) writeonly buffer Y { float y[]; };
#if HAS_BIAS
layout(std430, binding = 3) readonly buffer Bias { float b[]; };
#endif
#if WUBO
layout(std140, binding = 4) uniform WPU { vec4 wp[WN]; };
#else
layout(std430, binding = 4) readonly buffer WP { vec4 wp[]; };
#endif
uniform int N, C, K;
uniform int H, W; // x's plane
uniform int P;    // padding

// LD(Q) is x's vec4 Q, zero outside the buffer; the last vec4, which may
// be partial (nv4 = whole vec4s), comes from tail, read once per
// invocation (a load in a branch would cost every lane its time on
// llvmpipe, which runs both sides of a branch under a mask).
#define LD(Q) ((Q) < 0 || (Q) > nv4 ? vec4(0.0) : (Q) == nv4 ? tail : xv4[clamp((Q), 0, nv4 - 1)])

// shifted returns the 4 floats from element s (0..3) of the 8 in lo, hi.
vec4 shifted(vec4 lo, vec4 hi, int s) {
    vec4 r = lo;
    r = s == 1 ? vec4(lo.yzw, hi.x) : r;
    r = s == 2 ? vec4(lo.zw, hi.xy) : r;
    r = s == 3 ? vec4(lo.w, hi.xyz) : r;
    return r;
}

// Row R of the window starts at flat position base + (iy0+R)*W + ix0;
// SHIFT(R, F) is its misalignment: a constant when ALIGNED, as base is
// then a multiple of 4, iy0 = 4ty - P and ix0 = 4tj - P, so that it is
// (R-P)*W - P = R*W4 + S0 mod 4.
#if ALIGNED
#define SHIFT(R, F) ((S0 + (R) * W4) & 3)
#else
#define SHIFT(R, F) ((F) & 3)
#endif

// ROW(R) loads input row R of the window into lo[R] (columns 0-3) and
// hi[R] (columns 4-5 in .xy): zero off the image (rf, ri: main).
#define ROW(R) { \
    int f = base + rf[R]; \
    int q = (f >> 2) - 1, s = SHIFT(R, f); \
    vec4 v0 = LD(q), v1 = LD(q + 1), v2 = LD(q + 2); \
    lo[R] = ri[R] != 0 ? mix(vec4(0.0), shifted(v0, v1, s), cl) : vec4(0.0); \
    hi[R] = ri[R] != 0 ? mix(vec4(0.0), shifted(v1, v2, s), ch) : vec4(0.0); }

// TILES(T, LO, HI) is row T of B^T d B for the two tiles of a tile row
// from row T of B^T d (LO: columns 0-3, HI: 4-5): tile a on columns 0-3
// into va[T], tile b on columns 2-5 into vb[T].
#define TILES(T, LO, HI) { vec4 l_ = LO, h_ = HI; \
    va[T] = vec4(l_.x - l_.z, l_.y + l_.z, l_.z - l_.y, l_.y - l_.w); \
    vb[T] = vec4(l_.z - h_.x, l_.w + h_.x, h_.x - l_.w, l_.w - h_.y); }

// TRANSFORM(R, O) is V of the tile row on window rows R..R+3 into va and
// vb [O..O+3].
#define TRANSFORM(R, O) \
    TILES((O), lo[R] - lo[R + 2], hi[R] - hi[R + 2]) \
    TILES((O) + 1, lo[R + 1] + lo[R + 2], hi[R + 1] + hi[R + 2]) \
    TILES((O) + 2, lo[R + 2] - lo[R + 1], hi[R + 2] - hi[R + 1]) \
    TILES((O) + 3, lo[R + 1] - lo[R + 3], hi[R + 1] - hi[R + 3])

// MAC(A, O) adds U_kc (.) V of tile row O (both tiles) into A.
#define MAC(A, O) \
    A[0] = fma(u0, va[O], A[0]); A[1] = fma(u1, va[(O) + 1], A[1]); \
    A[2] = fma(u2, va[(O) + 2], A[2]); A[3] = fma(u3, va[(O) + 3], A[3]); \
    A[4] = fma(u0, vb[O], A[4]); A[5] = fma(u1, vb[(O) + 1], A[5]); \
    A[6] = fma(u2, vb[(O) + 2], A[6]); A[7] = fma(u3, vb[(O) + 3], A[7]);

// ACC(U) adds channel U of the block's U_kc (.) V into aU (tile row 0)
// and bU (tile row 1).
#define ACC(U) { int wi = wb + 4 * (U); \
    vec4 u0 = wp[wi], u1 = wp[wi + 1], u2 = wp[wi + 2], u3 = wp[wi + 3]; \
    MAC(a##U, 0) MAC(b##U, 4) }

// store writes output channel k (if < K) of a tile row's two tiles at
// (oy0, ox0): A^T M A plus the bias, the pixels inside the output.
void store(int n, int oy0, int ox0, int k, vec4 a[8], int OH, int OW) {
    if (k >= K || oy0 >= OH) return;
#if HAS_BIAS
    float bv = b[k];
#else
    float bv = 0.0;
#endif
    vec4 s0a = a[0] + a[1] + a[2], s1a = a[1] - a[2] - a[3];
    vec4 s0b = a[4] + a[5] + a[6], s1b = a[5] - a[6] - a[7];
    vec4 r0 = vec4(s0a.x + s0a.y + s0a.z, s0a.y - s0a.z - s0a.w, s0b.x + s0b.y + s0b.z, s0b.y - s0b.z - s0b.w);
    vec4 r1 = vec4(s1a.x + s1a.y + s1a.z, s1a.y - s1a.z - s1a.w, s1b.x + s1b.y + s1b.z, s1b.y - s1b.z - s1b.w);
    int o = ((n * K + k) * OH + oy0) * OW + ox0;
    for (int e = 0; e < 4; e++) {
        if (ox0 + e < OW) {
            y[o + e] = r0[e] + bv;
            if (oy0 + 1 < OH) y[o + OW + e] = r1[e] + bv;
        }
    }
}

#define ZERO(A) A[0] = vec4(0.0); A[1] = vec4(0.0); A[2] = vec4(0.0); A[3] = vec4(0.0); \
    A[4] = vec4(0.0); A[5] = vec4(0.0); A[6] = vec4(0.0); A[7] = vec4(0.0);
#define DECL(U) vec4 a##U[8], b##U[8]; ZERO(a##U) ZERO(b##U)
#define STORE(U) store(n, oy0, ox0, k0 + (U), a##U, OH, OW); store(n, oy0 + 2, ox0, k0 + (U), b##U, OH, OW);
// EACH(M) is M(u) for the channels u of the block.
#if KB > 8
#define EACH(M) M(0) M(1) M(2) M(3) M(4) M(5) M(6) M(7) M(8) M(9) M(10) M(11) M(12) M(13) M(14) M(15)
#elif KB > 4
#define EACH(M) M(0) M(1) M(2) M(3) M(4) M(5) M(6) M(7)
#else
#define EACH(M) M(0) M(1) M(2) M(3)
#endif

void main() {
    int OH = H + 2 * P - 2, OW = W + 2 * P - 2;
    int TH = (OH + 3) / 4, TW = (OW + 3) / 4; // tile-row pairs, tile pairs per row
    int total = N * TH * TW;
    int g = int(gl_GlobalInvocationID.x);
    if (g >= total) return;
    int nty = g / TW, n = nty / TH; // two divisions: llvmpipe runs them lane by lane
    int tj = g - nty * TW, ty = nty - n * TH;
    int oy0 = 4 * ty, ox0 = 4 * tj;
    int iy0 = oy0 - P, ix0 = ox0 - P;
    int k0 = int(gl_WorkGroupID.y) * KB;
    int kp = (K + KB - 1) / KB * KB;

    // Column masks of the window: columns 0-3 (cl) and 4-5 (ch.xy).
    bvec4 cl, ch;
    for (int e = 0; e < 4; e++) {
        cl[e] = ix0 + e >= 0 && ix0 + e < W;
        ch[e] = e < 2 && ix0 + 4 + e >= 0 && ix0 + 4 + e < W;
    }
    // The floats past the last whole vec4 of x (at most 3).
    int nv4 = xv4.length(), nx = xs.length();
    vec4 tail = vec4(0.0);
    for (int e = 0; e < 3; e++) {
        if (4 * nv4 + e < nx) tail[e] = xs[4 * nv4 + e];
    }

    // Window row R of channel c starts at flat position base + rf[R] - 4
    // (+ 4: f >= 0 in ROW; a row off the image reads row 0 or H-1 and ri[R]
    // is 0 there, else 1): the same for every channel, so computed once
    // per invocation, not per channel (with H and W uniforms that kept the
    // 1->16 convs ~5% slower). ri is not a bool array: zink on lavapipe
    // fails to build the pipeline with one.
    int rf[6], ri[6];
    for (int r = 0; r < 6; r++) {
        int iy = iy0 + r;
        rf[r] = clamp(iy, 0, H - 1) * W + ix0 + 4;
        ri[r] = iy >= 0 && iy < H ? 1 : 0;
    }

    EACH(DECL)
    int hw = H * W, base = n * C * hw;
    for (int c = 0; c < C; c++, base += hw) {
        vec4 lo[6], hi[6];
        ROW(0) ROW(1) ROW(2) ROW(3) ROW(4) ROW(5)
        vec4 va[8], vb[8];
        TRANSFORM(0, 0)
        TRANSFORM(2, 4)
        int wb = (c * kp + k0) * 4;
        EACH(ACC)
    }
    EACH(STORE)
}
