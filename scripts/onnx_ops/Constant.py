import torch
from onnx import numpy_helper


def run(node, attrs, ins):
    return torch.from_numpy(numpy_helper.to_array(attrs["value"]).copy())
