// stream.comp — the storage-buffer bandwidth probes, one per MODE:
//   MODE 0 read:  s = sum of the invocation's vec4s of src; one float out
//                 per invocation (1/16 of the bytes read, not counted)
//   MODE 1 write: dst[j] = vec4(j)
//   MODE 2 copy:  dst[j] = src[j]
// Invocation t handles the 4 vec4s t + k*threads, k = 0..3, written out
// (no loop: llvmpipe pays for every loop trip), so neighbouring invocations
// touch neighbouring vec4s. Bytes: 16 per vec4 read or written.
//
// Bindings: 0 src (vec4), 1 dst (vec4), 2 sums (float). Uniforms: threads
// (invocations launched; the buffers hold 4*threads vec4s).
// Dispatch: Grid1(threads), WG 64.
layout(local_size_x = 64) in;
layout(std430, binding = 0) readonly buffer Src { vec4 src[]; };
layout(std430, binding = 1) writeonly buffer Dst { vec4 dst[]; };
layout(std430, binding = 2) writeonly buffer Sums { float sums[]; };
uniform uint threads;

void main() {
	uint t = gl_GlobalInvocationID.x + gl_GlobalInvocationID.y * gl_NumWorkGroups.x * 64u;
	if (t >= threads) return;
	uint j0 = t, j1 = t + threads, j2 = t + 2u * threads, j3 = t + 3u * threads;
#if MODE == 0
	vec4 s = src[j0] + src[j1] + src[j2] + src[j3];
	sums[t] = dot(s, vec4(1.0));
#elif MODE == 1
	dst[j0] = vec4(float(j0));
	dst[j1] = vec4(float(j1));
	dst[j2] = vec4(float(j2));
	dst[j3] = vec4(float(j3));
#else
	dst[j0] = src[j0];
	dst[j1] = src[j1];
	dst[j2] = src[j2];
	dst[j3] = src[j3];
#endif
}
