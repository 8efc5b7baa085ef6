// fma_plain.comp — a plain hand-written multiply-add loop, the cross-check
// of fma.comp: sixteen scalar accumulators, `x = fma(x, b, c)` written out
// 16 times per loop trip (256 FMAs per trip, as the probe does: llvmpipe
// pays for every loop trip), no vectors, no arrays, no defines. If the
// probe's peak is far from this one's, the probe measures its own
// construction (or miscounts) rather than the device.
// (fma() and not `x * b + c`: llvmpipe does not fuse the latter, which then
// runs at about 0.6x — a thing kernels should know.)
// FLOPs per invocation: 2 * 256 * iters. Bindings and dispatch as fma.comp.
layout(local_size_x = 64) in;
layout(std430, binding = 0) buffer Y { float y[]; };
uniform uint n;
uniform int iters;
uniform float b;
uniform float c;

void main() {
	uint i = gl_GlobalInvocationID.x + gl_GlobalInvocationID.y * gl_NumWorkGroups.x * 64u;
	if (i >= n) return;
	float x0 = float(i & 7u) * 1e-3;
	float x1 = x0 + 1.0;
	float x2 = x0 + 2.0;
	float x3 = x0 + 3.0;
	float x4 = x0 + 4.0;
	float x5 = x0 + 5.0;
	float x6 = x0 + 6.0;
	float x7 = x0 + 7.0;
	float x8 = x0 + 8.0;
	float x9 = x0 + 9.0;
	float x10 = x0 + 10.0;
	float x11 = x0 + 11.0;
	float x12 = x0 + 12.0;
	float x13 = x0 + 13.0;
	float x14 = x0 + 14.0;
	float x15 = x0 + 15.0;
	for (int r = 0; r < iters; r++) {
		x0 = fma(x0, b, c); x1 = fma(x1, b, c); x2 = fma(x2, b, c); x3 = fma(x3, b, c); x4 = fma(x4, b, c); x5 = fma(x5, b, c); x6 = fma(x6, b, c); x7 = fma(x7, b, c); x8 = fma(x8, b, c); x9 = fma(x9, b, c); x10 = fma(x10, b, c); x11 = fma(x11, b, c); x12 = fma(x12, b, c); x13 = fma(x13, b, c); x14 = fma(x14, b, c); x15 = fma(x15, b, c);
		x0 = fma(x0, b, c); x1 = fma(x1, b, c); x2 = fma(x2, b, c); x3 = fma(x3, b, c); x4 = fma(x4, b, c); x5 = fma(x5, b, c); x6 = fma(x6, b, c); x7 = fma(x7, b, c); x8 = fma(x8, b, c); x9 = fma(x9, b, c); x10 = fma(x10, b, c); x11 = fma(x11, b, c); x12 = fma(x12, b, c); x13 = fma(x13, b, c); x14 = fma(x14, b, c); x15 = fma(x15, b, c);
		x0 = fma(x0, b, c); x1 = fma(x1, b, c); x2 = fma(x2, b, c); x3 = fma(x3, b, c); x4 = fma(x4, b, c); x5 = fma(x5, b, c); x6 = fma(x6, b, c); x7 = fma(x7, b, c); x8 = fma(x8, b, c); x9 = fma(x9, b, c); x10 = fma(x10, b, c); x11 = fma(x11, b, c); x12 = fma(x12, b, c); x13 = fma(x13, b, c); x14 = fma(x14, b, c); x15 = fma(x15, b, c);
		x0 = fma(x0, b, c); x1 = fma(x1, b, c); x2 = fma(x2, b, c); x3 = fma(x3, b, c); x4 = fma(x4, b, c); x5 = fma(x5, b, c); x6 = fma(x6, b, c); x7 = fma(x7, b, c); x8 = fma(x8, b, c); x9 = fma(x9, b, c); x10 = fma(x10, b, c); x11 = fma(x11, b, c); x12 = fma(x12, b, c); x13 = fma(x13, b, c); x14 = fma(x14, b, c); x15 = fma(x15, b, c);
		x0 = fma(x0, b, c); x1 = fma(x1, b, c); x2 = fma(x2, b, c); x3 = fma(x3, b, c); x4 = fma(x4, b, c); x5 = fma(x5, b, c); x6 = fma(x6, b, c); x7 = fma(x7, b, c); x8 = fma(x8, b, c); x9 = fma(x9, b, c); x10 = fma(x10, b, c); x11 = fma(x11, b, c); x12 = fma(x12, b, c); x13 = fma(x13, b, c); x14 = fma(x14, b, c); x15 = fma(x15, b, c);
		x0 = fma(x0, b, c); x1 = fma(x1, b, c); x2 = fma(x2, b, c); x3 = fma(x3, b, c); x4 = fma(x4, b, c); x5 = fma(x5, b, c); x6 = fma(x6, b, c); x7 = fma(x7, b, c); x8 = fma(x8, b, c); x9 = fma(x9, b, c); x10 = fma(x10, b, c); x11 = fma(x11, b, c); x12 = fma(x12, b, c); x13 = fma(x13, b, c); x14 = fma(x14, b, c); x15 = fma(x15, b, c);
		x0 = fma(x0, b, c); x1 = fma(x1, b, c); x2 = fma(x2, b, c); x3 = fma(x3, b, c); x4 = fma(x4, b, c); x5 = fma(x5, b, c); x6 = fma(x6, b, c); x7 = fma(x7, b, c); x8 = fma(x8, b, c); x9 = fma(x9, b, c); x10 = fma(x10, b, c); x11 = fma(x11, b, c); x12 = fma(x12, b, c); x13 = fma(x13, b, c); x14 = fma(x14, b, c); x15 = fma(x15, b, c);
		x0 = fma(x0, b, c); x1 = fma(x1, b, c); x2 = fma(x2, b, c); x3 = fma(x3, b, c); x4 = fma(x4, b, c); x5 = fma(x5, b, c); x6 = fma(x6, b, c); x7 = fma(x7, b, c); x8 = fma(x8, b, c); x9 = fma(x9, b, c); x10 = fma(x10, b, c); x11 = fma(x11, b, c); x12 = fma(x12, b, c); x13 = fma(x13, b, c); x14 = fma(x14, b, c); x15 = fma(x15, b, c);
		x0 = fma(x0, b, c); x1 = fma(x1, b, c); x2 = fma(x2, b, c); x3 = fma(x3, b, c); x4 = fma(x4, b, c); x5 = fma(x5, b, c); x6 = fma(x6, b, c); x7 = fma(x7, b, c); x8 = fma(x8, b, c); x9 = fma(x9, b, c); x10 = fma(x10, b, c); x11 = fma(x11, b, c); x12 = fma(x12, b, c); x13 = fma(x13, b, c); x14 = fma(x14, b, c); x15 = fma(x15, b, c);
		x0 = fma(x0, b, c); x1 = fma(x1, b, c); x2 = fma(x2, b, c); x3 = fma(x3, b, c); x4 = fma(x4, b, c); x5 = fma(x5, b, c); x6 = fma(x6, b, c); x7 = fma(x7, b, c); x8 = fma(x8, b, c); x9 = fma(x9, b, c); x10 = fma(x10, b, c); x11 = fma(x11, b, c); x12 = fma(x12, b, c); x13 = fma(x13, b, c); x14 = fma(x14, b, c); x15 = fma(x15, b, c);
		x0 = fma(x0, b, c); x1 = fma(x1, b, c); x2 = fma(x2, b, c); x3 = fma(x3, b, c); x4 = fma(x4, b, c); x5 = fma(x5, b, c); x6 = fma(x6, b, c); x7 = fma(x7, b, c); x8 = fma(x8, b, c); x9 = fma(x9, b, c); x10 = fma(x10, b, c); x11 = fma(x11, b, c); x12 = fma(x12, b, c); x13 = fma(x13, b, c); x14 = fma(x14, b, c); x15 = fma(x15, b, c);
		x0 = fma(x0, b, c); x1 = fma(x1, b, c); x2 = fma(x2, b, c); x3 = fma(x3, b, c); x4 = fma(x4, b, c); x5 = fma(x5, b, c); x6 = fma(x6, b, c); x7 = fma(x7, b, c); x8 = fma(x8, b, c); x9 = fma(x9, b, c); x10 = fma(x10, b, c); x11 = fma(x11, b, c); x12 = fma(x12, b, c); x13 = fma(x13, b, c); x14 = fma(x14, b, c); x15 = fma(x15, b, c);
		x0 = fma(x0, b, c); x1 = fma(x1, b, c); x2 = fma(x2, b, c); x3 = fma(x3, b, c); x4 = fma(x4, b, c); x5 = fma(x5, b, c); x6 = fma(x6, b, c); x7 = fma(x7, b, c); x8 = fma(x8, b, c); x9 = fma(x9, b, c); x10 = fma(x10, b, c); x11 = fma(x11, b, c); x12 = fma(x12, b, c); x13 = fma(x13, b, c); x14 = fma(x14, b, c); x15 = fma(x15, b, c);
		x0 = fma(x0, b, c); x1 = fma(x1, b, c); x2 = fma(x2, b, c); x3 = fma(x3, b, c); x4 = fma(x4, b, c); x5 = fma(x5, b, c); x6 = fma(x6, b, c); x7 = fma(x7, b, c); x8 = fma(x8, b, c); x9 = fma(x9, b, c); x10 = fma(x10, b, c); x11 = fma(x11, b, c); x12 = fma(x12, b, c); x13 = fma(x13, b, c); x14 = fma(x14, b, c); x15 = fma(x15, b, c);
		x0 = fma(x0, b, c); x1 = fma(x1, b, c); x2 = fma(x2, b, c); x3 = fma(x3, b, c); x4 = fma(x4, b, c); x5 = fma(x5, b, c); x6 = fma(x6, b, c); x7 = fma(x7, b, c); x8 = fma(x8, b, c); x9 = fma(x9, b, c); x10 = fma(x10, b, c); x11 = fma(x11, b, c); x12 = fma(x12, b, c); x13 = fma(x13, b, c); x14 = fma(x14, b, c); x15 = fma(x15, b, c);
		x0 = fma(x0, b, c); x1 = fma(x1, b, c); x2 = fma(x2, b, c); x3 = fma(x3, b, c); x4 = fma(x4, b, c); x5 = fma(x5, b, c); x6 = fma(x6, b, c); x7 = fma(x7, b, c); x8 = fma(x8, b, c); x9 = fma(x9, b, c); x10 = fma(x10, b, c); x11 = fma(x11, b, c); x12 = fma(x12, b, c); x13 = fma(x13, b, c); x14 = fma(x14, b, c); x15 = fma(x15, b, c);
	}
	y[i] = x0 + x1 + x2 + x3 + x4 + x5 + x6 + x7 + x8 + x9 + x10 + x11 + x12 + x13 + x14 + x15;
}
