// rng.glsl — counter-based random numbers, bit-exact with package
// layers/ref (ref.Hash32, ref.Uniform).
#ifndef RNG_GLSL
#define RNG_GLSL

// hash32 is the lowbias32 integer hash (Chris Wellons).
uint hash32(uint x) {
    x ^= x >> 16;
    x *= 0x7feb352du;
    x ^= x >> 15;
    x *= 0x846ca68bu;
    x ^= x >> 16;
    return x;
}

// uniform01 is the i-th number of stream seed, in [0,1): the top 24 bits of
// the hash convert to float exactly, so every driver agrees with the Go
// reference. Callers hoist hash32(seed) into seedHash.
float uniform01(uint seedHash, uint i) {
    return float(hash32(i ^ seedHash) >> 8) * (1.0 / 16777216.0);
}

#endif
