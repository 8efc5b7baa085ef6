// fma_plain.comp — a plain hand-written multiply-add loop, the cross-check
// of fma.comp: 64 scalar accumulators, `x = fma(x, b, c)` written out 4 times
// each per loop trip (256 FMAs per trip, as the probe does: llvmpipe pays for
// every loop trip), no vectors, no arrays, no defines. Many independent
// chains, because each scalar runs as one 8-lane register and the FMA unit
// needs several in flight to hide its latency (measured on llvmpipe: 8
// chains reach about half of 64). If the probe's peak is far from this
// one's, the probe measures its own construction (or miscounts) rather than
// the device.
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
	float x16 = x0 + 16.0;
	float x17 = x0 + 17.0;
	float x18 = x0 + 18.0;
	float x19 = x0 + 19.0;
	float x20 = x0 + 20.0;
	float x21 = x0 + 21.0;
	float x22 = x0 + 22.0;
	float x23 = x0 + 23.0;
	float x24 = x0 + 24.0;
	float x25 = x0 + 25.0;
	float x26 = x0 + 26.0;
	float x27 = x0 + 27.0;
	float x28 = x0 + 28.0;
	float x29 = x0 + 29.0;
	float x30 = x0 + 30.0;
	float x31 = x0 + 31.0;
	float x32 = x0 + 32.0;
	float x33 = x0 + 33.0;
	float x34 = x0 + 34.0;
	float x35 = x0 + 35.0;
	float x36 = x0 + 36.0;
	float x37 = x0 + 37.0;
	float x38 = x0 + 38.0;
	float x39 = x0 + 39.0;
	float x40 = x0 + 40.0;
	float x41 = x0 + 41.0;
	float x42 = x0 + 42.0;
	float x43 = x0 + 43.0;
	float x44 = x0 + 44.0;
	float x45 = x0 + 45.0;
	float x46 = x0 + 46.0;
	float x47 = x0 + 47.0;
	float x48 = x0 + 48.0;
	float x49 = x0 + 49.0;
	float x50 = x0 + 50.0;
	float x51 = x0 + 51.0;
	float x52 = x0 + 52.0;
	float x53 = x0 + 53.0;
	float x54 = x0 + 54.0;
	float x55 = x0 + 55.0;
	float x56 = x0 + 56.0;
	float x57 = x0 + 57.0;
	float x58 = x0 + 58.0;
	float x59 = x0 + 59.0;
	float x60 = x0 + 60.0;
	float x61 = x0 + 61.0;
	float x62 = x0 + 62.0;
	float x63 = x0 + 63.0;
	for (int r = 0; r < iters; r++) {
		x0 = fma(x0, b, c); x1 = fma(x1, b, c); x2 = fma(x2, b, c); x3 = fma(x3, b, c); x4 = fma(x4, b, c); x5 = fma(x5, b, c); x6 = fma(x6, b, c); x7 = fma(x7, b, c);
		x8 = fma(x8, b, c); x9 = fma(x9, b, c); x10 = fma(x10, b, c); x11 = fma(x11, b, c); x12 = fma(x12, b, c); x13 = fma(x13, b, c); x14 = fma(x14, b, c); x15 = fma(x15, b, c);
		x16 = fma(x16, b, c); x17 = fma(x17, b, c); x18 = fma(x18, b, c); x19 = fma(x19, b, c); x20 = fma(x20, b, c); x21 = fma(x21, b, c); x22 = fma(x22, b, c); x23 = fma(x23, b, c);
		x24 = fma(x24, b, c); x25 = fma(x25, b, c); x26 = fma(x26, b, c); x27 = fma(x27, b, c); x28 = fma(x28, b, c); x29 = fma(x29, b, c); x30 = fma(x30, b, c); x31 = fma(x31, b, c);
		x32 = fma(x32, b, c); x33 = fma(x33, b, c); x34 = fma(x34, b, c); x35 = fma(x35, b, c); x36 = fma(x36, b, c); x37 = fma(x37, b, c); x38 = fma(x38, b, c); x39 = fma(x39, b, c);
		x40 = fma(x40, b, c); x41 = fma(x41, b, c); x42 = fma(x42, b, c); x43 = fma(x43, b, c); x44 = fma(x44, b, c); x45 = fma(x45, b, c); x46 = fma(x46, b, c); x47 = fma(x47, b, c);
		x48 = fma(x48, b, c); x49 = fma(x49, b, c); x50 = fma(x50, b, c); x51 = fma(x51, b, c); x52 = fma(x52, b, c); x53 = fma(x53, b, c); x54 = fma(x54, b, c); x55 = fma(x55, b, c);
		x56 = fma(x56, b, c); x57 = fma(x57, b, c); x58 = fma(x58, b, c); x59 = fma(x59, b, c); x60 = fma(x60, b, c); x61 = fma(x61, b, c); x62 = fma(x62, b, c); x63 = fma(x63, b, c);
		x0 = fma(x0, b, c); x1 = fma(x1, b, c); x2 = fma(x2, b, c); x3 = fma(x3, b, c); x4 = fma(x4, b, c); x5 = fma(x5, b, c); x6 = fma(x6, b, c); x7 = fma(x7, b, c);
		x8 = fma(x8, b, c); x9 = fma(x9, b, c); x10 = fma(x10, b, c); x11 = fma(x11, b, c); x12 = fma(x12, b, c); x13 = fma(x13, b, c); x14 = fma(x14, b, c); x15 = fma(x15, b, c);
		x16 = fma(x16, b, c); x17 = fma(x17, b, c); x18 = fma(x18, b, c); x19 = fma(x19, b, c); x20 = fma(x20, b, c); x21 = fma(x21, b, c); x22 = fma(x22, b, c); x23 = fma(x23, b, c);
		x24 = fma(x24, b, c); x25 = fma(x25, b, c); x26 = fma(x26, b, c); x27 = fma(x27, b, c); x28 = fma(x28, b, c); x29 = fma(x29, b, c); x30 = fma(x30, b, c); x31 = fma(x31, b, c);
		x32 = fma(x32, b, c); x33 = fma(x33, b, c); x34 = fma(x34, b, c); x35 = fma(x35, b, c); x36 = fma(x36, b, c); x37 = fma(x37, b, c); x38 = fma(x38, b, c); x39 = fma(x39, b, c);
		x40 = fma(x40, b, c); x41 = fma(x41, b, c); x42 = fma(x42, b, c); x43 = fma(x43, b, c); x44 = fma(x44, b, c); x45 = fma(x45, b, c); x46 = fma(x46, b, c); x47 = fma(x47, b, c);
		x48 = fma(x48, b, c); x49 = fma(x49, b, c); x50 = fma(x50, b, c); x51 = fma(x51, b, c); x52 = fma(x52, b, c); x53 = fma(x53, b, c); x54 = fma(x54, b, c); x55 = fma(x55, b, c);
		x56 = fma(x56, b, c); x57 = fma(x57, b, c); x58 = fma(x58, b, c); x59 = fma(x59, b, c); x60 = fma(x60, b, c); x61 = fma(x61, b, c); x62 = fma(x62, b, c); x63 = fma(x63, b, c);
		x0 = fma(x0, b, c); x1 = fma(x1, b, c); x2 = fma(x2, b, c); x3 = fma(x3, b, c); x4 = fma(x4, b, c); x5 = fma(x5, b, c); x6 = fma(x6, b, c); x7 = fma(x7, b, c);
		x8 = fma(x8, b, c); x9 = fma(x9, b, c); x10 = fma(x10, b, c); x11 = fma(x11, b, c); x12 = fma(x12, b, c); x13 = fma(x13, b, c); x14 = fma(x14, b, c); x15 = fma(x15, b, c);
		x16 = fma(x16, b, c); x17 = fma(x17, b, c); x18 = fma(x18, b, c); x19 = fma(x19, b, c); x20 = fma(x20, b, c); x21 = fma(x21, b, c); x22 = fma(x22, b, c); x23 = fma(x23, b, c);
		x24 = fma(x24, b, c); x25 = fma(x25, b, c); x26 = fma(x26, b, c); x27 = fma(x27, b, c); x28 = fma(x28, b, c); x29 = fma(x29, b, c); x30 = fma(x30, b, c); x31 = fma(x31, b, c);
		x32 = fma(x32, b, c); x33 = fma(x33, b, c); x34 = fma(x34, b, c); x35 = fma(x35, b, c); x36 = fma(x36, b, c); x37 = fma(x37, b, c); x38 = fma(x38, b, c); x39 = fma(x39, b, c);
		x40 = fma(x40, b, c); x41 = fma(x41, b, c); x42 = fma(x42, b, c); x43 = fma(x43, b, c); x44 = fma(x44, b, c); x45 = fma(x45, b, c); x46 = fma(x46, b, c); x47 = fma(x47, b, c);
		x48 = fma(x48, b, c); x49 = fma(x49, b, c); x50 = fma(x50, b, c); x51 = fma(x51, b, c); x52 = fma(x52, b, c); x53 = fma(x53, b, c); x54 = fma(x54, b, c); x55 = fma(x55, b, c);
		x56 = fma(x56, b, c); x57 = fma(x57, b, c); x58 = fma(x58, b, c); x59 = fma(x59, b, c); x60 = fma(x60, b, c); x61 = fma(x61, b, c); x62 = fma(x62, b, c); x63 = fma(x63, b, c);
		x0 = fma(x0, b, c); x1 = fma(x1, b, c); x2 = fma(x2, b, c); x3 = fma(x3, b, c); x4 = fma(x4, b, c); x5 = fma(x5, b, c); x6 = fma(x6, b, c); x7 = fma(x7, b, c);
		x8 = fma(x8, b, c); x9 = fma(x9, b, c); x10 = fma(x10, b, c); x11 = fma(x11, b, c); x12 = fma(x12, b, c); x13 = fma(x13, b, c); x14 = fma(x14, b, c); x15 = fma(x15, b, c);
		x16 = fma(x16, b, c); x17 = fma(x17, b, c); x18 = fma(x18, b, c); x19 = fma(x19, b, c); x20 = fma(x20, b, c); x21 = fma(x21, b, c); x22 = fma(x22, b, c); x23 = fma(x23, b, c);
		x24 = fma(x24, b, c); x25 = fma(x25, b, c); x26 = fma(x26, b, c); x27 = fma(x27, b, c); x28 = fma(x28, b, c); x29 = fma(x29, b, c); x30 = fma(x30, b, c); x31 = fma(x31, b, c);
		x32 = fma(x32, b, c); x33 = fma(x33, b, c); x34 = fma(x34, b, c); x35 = fma(x35, b, c); x36 = fma(x36, b, c); x37 = fma(x37, b, c); x38 = fma(x38, b, c); x39 = fma(x39, b, c);
		x40 = fma(x40, b, c); x41 = fma(x41, b, c); x42 = fma(x42, b, c); x43 = fma(x43, b, c); x44 = fma(x44, b, c); x45 = fma(x45, b, c); x46 = fma(x46, b, c); x47 = fma(x47, b, c);
		x48 = fma(x48, b, c); x49 = fma(x49, b, c); x50 = fma(x50, b, c); x51 = fma(x51, b, c); x52 = fma(x52, b, c); x53 = fma(x53, b, c); x54 = fma(x54, b, c); x55 = fma(x55, b, c);
		x56 = fma(x56, b, c); x57 = fma(x57, b, c); x58 = fma(x58, b, c); x59 = fma(x59, b, c); x60 = fma(x60, b, c); x61 = fma(x61, b, c); x62 = fma(x62, b, c); x63 = fma(x63, b, c);
	}
	y[i] = x0 + x1 + x2 + x3 + x4 + x5 + x6 + x7 + x8 + x9 + x10 + x11 + x12 + x13 + x14 + x15 + x16 + x17 + x18 + x19 + x20 + x21 + x22 + x23 + x24 + x25 + x26 + x27 + x28 + x29 + x30 + x31 + x32 + x33 + x34 + x35 + x36 + x37 + x38 + x39 + x40 + x41 + x42 + x43 + x44 + x45 + x46 + x47 + x48 + x49 + x50 + x51 + x52 + x53 + x54 + x55 + x56 + x57 + x58 + x59 + x60 + x61 + x62 + x63;
}
