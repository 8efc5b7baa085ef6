def run(node, attrs, ins):
    return ins[0] - ins[1]
