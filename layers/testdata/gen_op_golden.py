#!/usr/bin/python3
"""Write a PyTorch golden file for one glcnn op (an arch-spec item).

    layers/testdata/gen_op_golden.py ITEM --input N,C,H,W [--seed S] [--eval-only]
                                      [--module JSON] [--glcnn BIN] [--out FILE]
    layers/testdata/gen_op_golden.py --again FILE   (make golden: every file anew)

e.g. `gen_op_golden.py fc:7 --input 3,12` or `gen_op_golden.py maxpool:3:2
--input 2,3,9,11`. The op's PyTorch module comes from glcnn's op registry
(`glcnn modules --arch ITEM --input C,H,W`; --module gives it instead, as
{"type": ..., "args": [...], "kwargs": {...}}), so this script knows no
op. In float64, on inputs and parameters that are float32 values (uniform
[-1,1) rounded, as gen_golden.py's single-op goldens), it records:

  x                      the input (N, then the per-sample shape)
  param.<name>           every parameter, random
  buffer.<name>          every floating buffer before the forward (running stats)
  y, dy, dx, grad.<name> the training-mode forward, a random output gradient,
  buffer_after.<name>    the input and parameter gradients and the buffers after
                         (omitted with --eval-only: ops whose training mode
                         draws random numbers, such as dropout)
  y_eval                 the eval-mode forward after it

into layers/testdata/ops/<ITEM with ':' as '_'>.json (or --out):
{"item": ITEM, "input": [N, ...], "train": bool, "module": {...},
 "tensors": {name: {"shape": [...], "data": [...]}}}. layers/op_golden_test.go
runs every file there against the op's GPU layer and its float64 reference.
Deterministic: rerunning it rewrites an identical file.
"""
import argparse
import json
import os
import subprocess
import sys

import torch
import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def put(d, name, t):
    t = torch.as_tensor(t).detach().cpu()
    d[name] = {"shape": list(t.shape), "data": [float(v) for v in t.double().reshape(-1).tolist()]}


def rand32(gen, *shape):
    """Uniform [-1,1) values rounded to float32, returned as float64."""
    return (torch.rand(*shape, generator=gen) * 2 - 1).float().double()


def module_of(item, sample, glcnn):
    cmd = (glcnn.split() if glcnn else ["go", "run", "./cmd/glcnn"]) + [
        "modules", "--arch", item, "--input", ",".join(map(str, sample))]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, cwd=ROOT).stdout
    mods = json.loads(out)
    # The arch parser puts a Flatten before an op taking flat input (fc),
    # as a spec starts on (C,H,W); the golden's input is already flat.
    if len(mods) < 1 or any(m["type"] != "Flatten" for m in mods[:-1]):
        sys.exit(f"gen_op_golden: {item} is the modules {mods}, want one")
    return mods[-1]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("item", nargs="?", help="an arch-spec item, e.g. maxpool:3:2")
    ap.add_argument("--input", help="input shape with the batch first: N,C,H,W or N,F")
    ap.add_argument("--again", metavar="FILE", help="rewrite a golden file from the item, input, mode and module it records (make golden)")
    ap.add_argument("--seed", type=int, default=21)
    ap.add_argument("--eval-only", action="store_true", help="record the eval-mode forward only")
    ap.add_argument("--module", help="the module as JSON, instead of asking glcnn")
    ap.add_argument("--glcnn", help="the glcnn command (default: go run ./cmd/glcnn)")
    ap.add_argument("--out", help="output file (default: ops/<item>.json next to this script)")
    a = ap.parse_args()
    if a.again:
        with open(a.again) as f:
            old = json.load(f)
        a.item, a.input, a.eval_only = old["item"], ",".join(map(str, old["input"])), not old["train"]
        a.module, a.out = json.dumps(old["module"]), a.again
    if not a.item or not a.input:
        ap.error("give ITEM and --input, or --again FILE")
    torch.set_num_threads(1)  # reproducible summation order
    shape = [int(v) for v in a.input.split(",")]
    m = json.loads(a.module) if a.module else module_of(a.item, shape[1:], a.glcnn)
    mod = getattr(nn, m["type"])(*m.get("args", []), **m.get("kwargs", {})).double()
    gen = torch.Generator().manual_seed(a.seed)
    d = {}
    with torch.no_grad():
        for name, p in mod.named_parameters():
            p.copy_(rand32(gen, *p.shape))
    for name, p in mod.named_parameters():
        put(d, "param." + name, p)
    for name, b in mod.named_buffers():
        if b.is_floating_point():
            put(d, "buffer." + name, b)
    x = rand32(gen, *shape).requires_grad_()
    put(d, "x", x)
    if not a.eval_only:
        mod.train()
        y = mod(x)
        dy = rand32(gen, *y.shape)
        y.backward(dy)
        put(d, "y", y)
        put(d, "dy", dy)
        put(d, "dx", x.grad)
        for name, p in mod.named_parameters():
            put(d, "grad." + name, p.grad)
        for name, b in mod.named_buffers():
            if b.is_floating_point():
                put(d, "buffer_after." + name, b)
    mod.eval()
    with torch.no_grad():
        put(d, "y_eval", mod(x))
    out = a.out or os.path.join(HERE, "ops", a.item.replace(":", "_") + ".json")
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with open(out, "w") as f:
        json.dump({"item": a.item, "input": shape, "train": not a.eval_only, "module": m, "tensors": d},
                  f, separators=(",", ":"), sort_keys=True)
        f.write("\n")
    print("wrote", out, len(d), "tensors")


if __name__ == "__main__":
    main()
