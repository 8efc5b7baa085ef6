// common.glsl — helpers shared by every kernel.
//
// Kernels launched over a 1-D range of n items are dispatched by gpu.Grid1,
// which folds group counts above the device's x limit into y; gid() undoes
// the folding so a kernel sees one flat index. Kernels using it declare
// layout(local_size_x = WG) in;
#ifndef COMMON_GLSL
#define COMMON_GLSL

#ifndef WG
#define WG 256
#endif

uint gid() {
    return gl_GlobalInvocationID.x + gl_GlobalInvocationID.y * (gl_NumWorkGroups.x * uint(WG));
}

#endif
