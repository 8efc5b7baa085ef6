import torch.nn.functional as F

from _pads import symmetric_pads


def run(node, attrs, ins):
    bias = ins[2] if len(ins) > 2 else None
    return F.conv2d(ins[0], ins[1], bias, stride=list(attrs.get("strides", [1, 1])),
                    padding=symmetric_pads(attrs), dilation=list(attrs.get("dilations", [1, 1])),
                    groups=attrs.get("group", 1))
