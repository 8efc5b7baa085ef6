// Package check is glcnn's device self-check: before a network trains or
// predicts on a device, every kernel it will run — each layer's forward
// pass, input gradient and parameter gradients, at the network's real
// per-sample shapes and small odd batches, the loss and the optimizer
// step — is run once and compared with the float64 reference of package
// layers/ref.
//
// A conv or fc layer can run several kernel variants (layers.VariantVec,
// VariantBlocked, VariantDirect). When the variant a layer would use gives
// wrong results, the check tries the others and picks the first that
// passes ([Result.Variants], for trainer.Config.Variants); when none does,
// or a kernel without alternatives fails, [Result.Err] refuses the device
// with a message naming the kernel, the variant and the worst element.
//
// Results are cached per device — renderer, GL version and driver build
// (gpu.Device.DriverID) — and per network, glcnn build and check options
// ([Ensure], [DefaultCacheDir]), so the check runs once, the first time a
// device meets a network. `glcnn check` runs it on demand; docs/check.md
// says what it covers.
//
// The kernel benchmark (package bench) validates each layer it times with
// the same code ([Validate]).
package check
