def run(node, attrs, ins):
    # The mean over every axis past (N, C), kept as size 1.
    x = ins[0]
    return x.mean(dim=tuple(range(2, x.dim())), keepdim=True)
