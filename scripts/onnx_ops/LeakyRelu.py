import torch.nn.functional as F


def run(node, attrs, ins):
    # ONNX's default alpha is 0.01, as PyTorch's negative_slope.
    return F.leaky_relu(ins[0], float(attrs.get("alpha", 0.01)))
