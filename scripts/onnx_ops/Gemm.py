def run(node, attrs, ins):
    a, b = ins[0], ins[1]
    if attrs.get("transA", 0):
        a = a.t()
    if attrs.get("transB", 0):
        b = b.t()
    out = attrs.get("alpha", 1.0) * (a @ b)
    if len(ins) > 2 and ins[2] is not None:
        out = out + attrs.get("beta", 1.0) * ins[2]
    return out
