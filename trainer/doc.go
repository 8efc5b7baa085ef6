// Package trainer builds glcnn's networks on a GPU device, trains them and
// runs them: what `glcnn train`, `eval` and `predict` do, as a library.
//
// # Training
//
// [Run] is `glcnn train` as a function: it trains a [Config] on a
// data.Dataset and writes a run folder (RunOptions.Dir) with metrics.csv,
// loss and accuracy plots, a checkpoint after every epoch, and at the end
// model.safetensors, report.txt, confusion.png, config.json and, when the
// dataset has a test set, submission.csv. A Config usually starts as a copy
// of a [Presets] entry ("tutorial", "mlp", "default", "best") with a few
// fields changed:
//
//	cfg := trainer.Presets["default"].Config
//	cfg.Epochs, cfg.Limit = 1, 1000
//	res, err := trainer.Run(ctx, dev, ds, cfg, trainer.RunOptions{Dir: "runs/mine"})
//
// Package report formats what Run measures (metrics.csv, steps.csv with
// Config.LogEvery, report.txt and the plots); package trainer decides when to write it.
//
// Cancelling ctx stops the run with a checkpoint, from which
// RunOptions.Resume continues bit for bit. A run that cannot start returns
// a *[ConfigError] before writing anything; one that diverges (a loss or a
// weight that is not finite, or a loss that exploded) returns a
// *[DivergedError] and keeps the last good checkpoint.
//
// # Prediction
//
// [LoadModel] opens a model.safetensors for inference as a [Session];
// [Session.Predict] gives the class of each image of a data.Set,
// [Session.Probabilities] every class's probability, and [Session.Evaluate]
// the loss and accuracy of a set already on the GPU. [ReadModel] reads a
// model file without a device (its arch, input shape and normalisation),
// for instance to check its input against the data ([SavedModel.CheckInput])
// or to choose kernel variants before [SavedModel.NewSession]. A file that
// cannot be used is a *[ModelError].
//
// # Networks
//
// A network is an arch spec, one nn.Sequential module per item:
// "conv:16:3,bn,relu,maxpool:2,flatten,fc:10" ([ParseSpec]; [SpecHelp]
// lists the items). [Model] is that network on the GPU; its
// [Model.StateDict] uses the names and shapes of the equivalent PyTorch
// nn.Sequential's state_dict ("0.weight", "1.running_mean", ...), so a
// model file loads into PyTorch with load_state_dict(strict=True)
// (scripts/check_safetensors.py does that, compares predictions, and
// exports ONNX). Package modelfile reads and writes the model and
// checkpoint files (safetensors, through package safetensors) without a
// device; this package builds their networks and loads them.
//
// # Devices
//
// Every function that runs kernels takes the *gpu.Device that gpu.Open
// returns. Before trusting a device with a network, the CLI runs package
// check's self-check (check.Ensure), which compares each kernel with the
// float64 reference and, where a default kernel variant is wrong on the
// device, picks another: its Result.Variants goes into Config.Variants.
//
// The package's examples train a small network, and load a model and
// predict one image; README.md ("Use from Go") has more.
package trainer
