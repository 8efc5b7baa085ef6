import torch.nn.functional as F

from _pads import symmetric_pads


def run(node, attrs, ins):
    k = list(attrs["kernel_shape"])
    if len(k) != 2:
        raise NotImplementedError(f"AveragePool over {len(k)} dimensions not evaluated here")
    if attrs.get("ceil_mode", 0) or any(d != 1 for d in attrs.get("dilations", [1, 1])):
        raise NotImplementedError("AveragePool with ceil_mode or dilations not evaluated here")
    # ONNX's count_include_pad defaults to 0 (divide by the window's inputs
    # inside the image), PyTorch's to True; without padding both agree.
    return F.avg_pool2d(ins[0], k, list(attrs.get("strides", k)), symmetric_pads(attrs),
                        count_include_pad=bool(attrs.get("count_include_pad", 0)))
