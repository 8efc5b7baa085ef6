// Package modelfile reads and writes glcnn's model and checkpoint files:
// safetensors files (package safetensors) whose tensors are the state dict
// of the equivalent PyTorch nn.Sequential ("0.weight", "1.running_mean",
// ...) and whose metadata say what network they hold ([Meta]: the arch
// spec, the input shape, the normalisation, the network as PyTorch
// modules, the glcnn that wrote them).
//
// A model file ([Write], [Read]; model.safetensors) holds the weights and
// loads into PyTorch with load_state_dict(strict=True). A checkpoint
// ([WriteCheckpoint], [ReadCheckpoint]; checkpoint.safetensors) adds the
// optimizer's state as tensors "optimizer.0", "optimizer.1", ...
// ([OptimizerStateName]) and a training run's progress as metadata
// ([Checkpoint]), so that a resumed run continues bit for bit.
//
// Nothing is written that is not finite, and nothing read is trusted: a
// file is refused when it is not glcnn's, when its metadata do not parse
// or its normalisation or a value is not finite. The package needs no
// device and knows no network: package trainer checks that the arch
// parses and that the tensors fit it, builds the network on the GPU and
// loads the tensors into it (trainer.ReadModel, trainer.LoadModel), and
// reports a file it cannot use as a *trainer.ModelError.
package modelfile
