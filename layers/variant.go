package layers

import "fmt"

// Variant names a set of kernels of Conv2D or Linear. Every variant
// computes the same function and runs through the same tests; they differ
// in how the work is split among invocations. A variant's kernels are the
// files <op>_<pass>_<variant>.comp in package shaders, the direct one's
// plain <op>_<pass>.comp (the reference kernel on the GPU).
//
// The names are untyped string constants, so that they serve both as
// Variant values (the layers' Variant fields) and as the strings that
// trainer.Config.Variants, the op registry, glcnn check and its cache
// carry; DefaultConvVariant and DefaultVariant are strings for the same
// reason.
type Variant string

// The variants.
const (
	// VariantDirect computes one output element per invocation: the
	// simplest correct kernel.
	VariantDirect = "direct"
	// VariantBlocked computes a block of outputs per invocation with the
	// accumulators in registers, so each value loaded feeds several FMAs;
	// weight addresses are uniform across a workgroup. A Linear with
	// In % 4 == 0 runs its vec kernels (linear_*_vec.comp).
	VariantBlocked = "blocked"
	// VariantVec (Conv2D only) runs stride-1 3x3 pad-1 convolutions whose
	// planes hold a multiple of 4 pixels with kernels that walk the
	// flattened planes in vec4s (conv2d_*_vec.comp): all 9 taps per
	// invocation, vec4 loads and stores, weights from a uniform block when
	// they fit. Other shapes use the blocked kernels.
	VariantVec = "vec"
	// VariantWinograd (Conv2D only) runs 3x3 stride-1 convolutions with
	// padding up to 2 as Winograd F(2x2,3x3) (conv2d_*_winograd.comp): 16
	// multiplies per 2x2 output tile and channel pair instead of 36, the
	// forward and the input gradient by one kernel, the weight gradient by
	// vec's kernel where vec runs, else blocked's. Other shapes use the
	// blocked kernels. Not the default: on llvmpipe it measured 5-20%
	// slower than vec at the default network's convs (docs/performance.md,
	// "Winograd").
	VariantWinograd = "winograd"
)

// kernel is the file (without .comp) of pass (e.g. "conv2d_fwd") in
// variant v.
func (v Variant) kernel(pass string) string {
	if v == VariantDirect {
		return pass
	}
	return pass + "_" + string(v)
}

// DefaultConvVariant is the variant a Conv2D uses when its Variant field
// is empty: vec, the fastest in the BenchmarkConv2D* benchmarks on
// llvmpipe (Mesa 22.3, 2 shared cores, batch 128, minimum of 4 runs) for
// every kernel at every benchmarked shape. Against blocked, in ms per call: 1->16 on 28x28 fwd
// 13.2 -> 10.1, dw 9.6 -> 4.7; 16->32 on 14x14 fwd 52.7 -> 29.9, dx 51.2
// -> 28.4, dw 86.0 -> 23.8 (the default preset's convs, 2.2x in all);
// 64->64 on 28x28 dw 3958 -> 1530; 128->128 on 14x14 fwd 2727 -> 2024, dw
// 4038 -> 973. On a GPU its invocations are as independent as blocked's,
// with weights from a uniform block (constant cache) when they fit.
var DefaultConvVariant = VariantVec

// DefaultVariant is the variant a Linear uses when its Variant field is
// empty: the fastest in the BenchmarkConv2D* and BenchmarkLinear* benchmarks on
// llvmpipe (Mesa 22.3, 2 cores), where blocked beat direct for every
// kernel at the default preset's shapes, by 2x (first conv, input
// gradient) to 25x.
var DefaultVariant = VariantBlocked

// checkConvVariant resolves a Conv2D's Variant field.
func checkConvVariant(v Variant) (Variant, error) {
	switch v {
	case "":
		return Variant(DefaultConvVariant), nil
	case VariantVec, VariantWinograd:
		return v, nil
	}
	return checkVariant("conv", v)
}

// checkVariant resolves a Linear's Variant field (and Conv2D's direct and
// blocked).
func checkVariant(op string, v Variant) (Variant, error) {
	switch v {
	case "":
		return Variant(DefaultVariant), nil
	case VariantDirect, VariantBlocked:
		return v, nil
	}
	return "", fmt.Errorf("layers: %s: unknown variant %q (want %q or %q)", op, v, VariantDirect, VariantBlocked)
}
