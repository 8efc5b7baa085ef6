// conv2d.glsl — helpers shared by the register-blocked and vec conv
// kernels.
//
// Why the blocked and vec kernels count loads so carefully: on llvmpipe
// (Mesa 22) every storage-buffer load costs about 20 FMAs — a per-lane,
// bounds-checked loop, even for uniform addresses — so those kernels keep
// many accumulators in registers and maximise FMAs per load. Accumulators
// live in separate arrays of at most 32 floats: llvmpipe keeps those in
// registers but moves larger arrays to memory (measured: 6x slower).
// Out-of-range lanes, rows and columns compute on clamped indices and only
// the store is guarded, so loads need no branches.
#ifndef CONV2D_GLSL
#define CONV2D_GLSL

// CLAMPED_LOAD(NAME, BUF, LEN) defines float NAME(int row, bool rowIn,
// int i): BUF[row + i] for 0 <= i < LEN and rowIn, else 0, without a
// branch (the load reads a clamped index, a select picks the value).
#define CLAMPED_LOAD(NAME, BUF, LEN) \
float NAME(int row, bool rowIn, int i) { \
    float v = BUF[row + clamp(i, 0, (LEN) - 1)]; \
    return (rowIn && i >= 0 && i < (LEN)) ? v : 0.0; \
}

// divmod is (a / b, a % b) for a >= 0, b > 0 and a quotient below 2^21
// (a batch index, a row), without an integer division: llvmpipe runs
// those lane by lane, several percent of conv2d_fwd_vec at C = 1, where
// an invocation does little else. The float quotient is within 3.5 ulp of
// a / b (a's rounding, b's and GLSL's 2.5 ulp for the division), less than
// one below 2^21, so truncated it is off by at most one, which the
// remainder's sign and size tell.
ivec2 divmod(int a, int b) {
    int q = int(float(a) / float(b));
    q += a - q * b < 0 ? -1 : a - q * b >= b ? 1 : 0;
    return ivec2(q, a - q * b);
}

#endif
