// Package autotune chooses, per device, the fastest kernel variant of each
// layer that has several (conv: direct, winograd, blocked, vec; fc: direct, blocked;
// any variant an op registers), by timing them on the device at the
// layer's real per-sample shape and the rows of the passes the model runs,
// and caches the choice.
//
// A choice is timed once per device — renderer, GL version and driver
// build, as the self-check keys its results (check.Identity) — per glcnn
// build (check.BuildID: the kernel sources and the executable), per layer
// (its spec item, fused layers included, and input shape), rows and mode
// (training: the forward in training mode and the backward; eval: the
// eval-mode forward). [Ensure] keeps it as one JSON file per layer in
// [DefaultCacheDir]; a file that does not parse or is for another key is
// ignored and rewritten. A run then uses the same variants every time on a
// given device and cache, so it stays bit-for-bit deterministic.
//
// Timing is cheap: a warm-up and an estimate from a small fraction of the
// rows, then at most [Options.Runs] runs at the full rows, the best kept;
// a variant whose estimate is several times the best so far is not run at
// the full rows. The op's default wins ties (within [Margin]), and a
// variant that beats it is timed again with it, each keeping its best: a
// burst of other work during the default's runs on a shared machine does
// not make a slower variant the cached choice.
//
// Autotuning does not validate: the device self-check (package check) does.
// [Result.Apply] puts the winners into trainer.Config.Variants and each
// layer's ranking into check.Options.Order, so that the check validates
// the winner first and, when it gives wrong results, falls back along the
// ranking to the fastest variant that passes; a variant that fails the
// check is never run. docs/autotune.md says what it costs.
package autotune
