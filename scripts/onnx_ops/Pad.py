import torch.nn.functional as F

# torch.onnx (opset 11 and later) exports AvgPool2d as a Pad, of zeros when
# the module has no padding, before the AveragePool.


def run(node, attrs, ins):
    mode = attrs.get("mode", b"constant")
    if mode not in (b"constant", "constant"):
        raise NotImplementedError(f"Pad mode {mode} not evaluated here")
    if len(ins) > 3 and ins[3] is not None:
        raise NotImplementedError("Pad with axes not evaluated here")
    # pads: opset 11+ an input, before that an attribute; as ONNX writes
    # them, all the begins then all the ends, outermost dimension first.
    pads = ins[1].tolist() if len(ins) > 1 and ins[1] is not None else list(attrs["pads"])
    value = float(ins[2]) if len(ins) > 2 and ins[2] is not None else float(attrs.get("value", 0.0))
    rank = len(pads) // 2
    if rank != ins[0].dim():
        raise NotImplementedError(f"Pad with {len(pads)} pads on a {ins[0].dim()}-d input")
    # F.pad takes (begin, end) pairs from the innermost dimension outwards.
    torch_pads = []
    for d in reversed(range(rank)):
        torch_pads += [int(pads[d]), int(pads[rank + d])]
    return F.pad(ins[0], torch_pads, mode="constant", value=value)
