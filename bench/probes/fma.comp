// fma.comp — the FMA-throughput probe: the device's fp32 compute peak.
//
// Each invocation runs iters * UNROLL rounds of CHAINS independent vec4 fma chains, that is
// 8 * iters * UNROLL * CHAINS FLOPs; UNROLL rounds per loop trip keep the
// loop's own cost (large on llvmpipe, which masks every trip) negligible.
// The chains are seeded from the invocation index and summed into y so the
// compiler can neither fold nor drop them; the stores are negligible.
//
// Bindings: 0 y (float, one per invocation). Uniforms: n invocations,
// iters rounds (a uniform so the loop cannot be unrolled away), b, c.
// Dispatch: Grid1(n), WG from the define.
layout(local_size_x = WG) in;
layout(std430, binding = 0) buffer Y { float y[]; };
uniform uint n;
uniform int iters;
uniform float b;
uniform float c;

void main() {
	uint i = gl_GlobalInvocationID.x + gl_GlobalInvocationID.y * gl_NumWorkGroups.x * WG;
	if (i >= n) return;
	vec4 s = vec4(float(i & 7u) * 1e-3);
	vec4 a[CHAINS];
	// Distinct components: equal ones would be merged by CSE after the
	// compiler scalarises vec4 arithmetic (llvmpipe does), quartering the work.
	for (int k = 0; k < CHAINS; k++) a[k] = s + vec4(4 * k, 4 * k + 1, 4 * k + 2, 4 * k + 3);
	vec4 bb = vec4(b), cc = vec4(c);
	for (int r = 0; r < iters; r++) {
		for (int u = 0; u < UNROLL; u++) {
			for (int k = 0; k < CHAINS; k++) a[k] = fma(a[k], bb, cc);
		}
	}
	vec4 t = vec4(0.0);
	for (int k = 0; k < CHAINS; k++) t += a[k];
	y[i] = t.x + t.y + t.z + t.w;
}
