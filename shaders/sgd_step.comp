// sgd_step.comp — one step of torch.optim.SGD on one parameter tensor, in
// place, with torch's order of operations:
//
//   g = grad[i] + wd*p[i]
//   if momentum != 0:
//       buf[i] = first ? g : momentum*buf[i] + (1-dampening)*g
//       g      = nesterov ? g + momentum*buf[i] : buf[i]
//   p[i] -= lr * g
//
// first is set on the optimizer's first step (torch creates the buffer as a
// copy of g then). Layouts: p, grad, buf flat (n).
// Bindings: 0 p (read/write), 1 grad (read), 2 buf (read/write; only when
// MOMENTUM is 1, which an optimizer with momentum != 0 compiles in).
// One invocation updates one element; dispatch gpu.Grid1(n).
#include "common.glsl"
#ifndef MOMENTUM
#define MOMENTUM 0
#endif
layout(local_size_x = WG) in;
layout(std430, binding = 0) buffer P { float p[]; };
layout(std430, binding = 1) readonly buffer G { float grad[]; };
#if MOMENTUM
layout(std430, binding = 2) buffer BUF { float buf[]; };
#endif
uniform uint n;
uniform float lr;
uniform float momentum;
uniform float dampening;
uniform float wd;
uniform int nesterov;
uniform int first;

void main() {
    uint i = gid();
    if (i >= n) return;
    float w = p[i];
    float g = grad[i] + wd * w;
#if MOMENTUM
    if (momentum != 0.0) {
        float b = first != 0 ? g : momentum * buf[i] + (1.0 - dampening) * g;
        buf[i] = b;
        g = nesterov != 0 ? g + momentum * b : b;
    }
#endif
    p[i] = w - lr * g;
}
