"""Shared helpers of the ONNX op handlers."""


def symmetric_pads(attrs):
    """Return [top, left] of a node's 2-d pads, which must be symmetric."""
    if attrs.get("auto_pad", b"NOTSET") not in (b"NOTSET", "NOTSET"):
        raise NotImplementedError(f"auto_pad {attrs['auto_pad']} not evaluated here")
    pads = list(attrs.get("pads", [0, 0, 0, 0]))
    if len(pads) != 4 or pads[:2] != pads[2:]:
        raise NotImplementedError(f"asymmetric pads {pads} not evaluated here")
    return pads[:2]
