// gather_u8.comp — assemble a float32 batch from the GPU-resident u8 dataset.
//
//   s      = perm[start + b]                 (sample index of batch row b)
//   x[b,0,y,x'] = (img[s, sy, sx] * scale - mean) / std, 0 outside the image,
//   where, when augmenting, per sample (hash of seed and start+b):
//     flip  : sx0 = W-1-x' with probability 1/2 (horizontal flip)
//     shift : (dy, dx) uniform in [-shift, shift]^2, sy = y - dy, sx = sx0 - dx
//   lab[b] = labels[s]
//
// Layouts: img is N*H*W bytes packed four to a uint (little-endian), labels
// and perm are uint per sample, x is (n,1,H,W) float32 row-major.
// Bindings: 0 img, 1 labels, 2 perm (read); 3 x, 4 lab (write).
// One invocation writes one pixel of the batch; dispatch gpu.Grid1(n*H*W).
// The hash is rng.glsl's lowbias32 (ref.Hash32 on the CPU), so the CPU
// gather in the tests reproduces every augmentation bit for bit.
#include "common.glsl"
#include "rng.glsl"
layout(local_size_x = WG) in;
layout(std430, binding = 0) readonly buffer Img { uint img[]; };
layout(std430, binding = 1) readonly buffer Labels { uint labels[]; };
layout(std430, binding = 2) readonly buffer Perm { uint perm[]; };
layout(std430, binding = 3) writeonly buffer X { float x[]; };
layout(std430, binding = 4) writeonly buffer Lab { uint lab[]; };

uniform uint n;      // batch rows
uniform uint start;  // first entry of perm
uniform uint H;
uniform uint W;
uniform float scale; // 1/255
uniform float mean;
uniform float invstd;
uniform int flip;    // 0 or 1
uniform int shift;   // max shift in pixels, 0 = none
uniform uint seed;

void main() {
    uint i = gid();
    uint hw = H * W;
    if (i >= n * hw) return;
    uint b = i / hw;
    uint p = i - b * hw;
    int yy = int(p / W);
    int xx = int(p - uint(yy) * W);
    uint s = perm[start + b];
    if (p == 0u) lab[b] = labels[s];

    int sx = xx, sy = yy;
    if (flip != 0 || shift != 0) {
        uint h = hash32(seed ^ hash32(start + b));
        if (flip != 0 && (h & 1u) != 0u) sx = int(W) - 1 - xx;
        if (shift != 0) {
            uint span = uint(2 * shift + 1);
            int dy = int((h >> 8) % span) - shift;
            int dx = int((h >> 20) % span) - shift;
            sy -= dy;
            sx -= dx;
        }
    }
    float v = 0.0;
    if (sx >= 0 && sx < int(W) && sy >= 0 && sy < int(H)) {
        uint k = s * hw + uint(sy) * W + uint(sx);
        v = float((img[k >> 2] >> ((k & 3u) * 8u)) & 0xffu);
        v = (v * scale - mean) * invstd;
    } else {
        v = (0.0 - mean) * invstd;
    }
    x[i] = v;
}
