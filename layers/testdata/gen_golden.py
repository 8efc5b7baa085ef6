#!/usr/bin/python3
"""Regenerate the PyTorch golden files of glcnn (run: make golden).

Writes, next to this script, JSON files mapping names to
{"shape": [...], "data": [...]} (row-major, every value as a JSON number;
integer tensors such as labels and argmax are stored as numbers too).

  article_f32.json  the article's network in float32 (PyTorch's default)
  article_f64.json  the same network, same initial values, in float64
  conv2d.json, maxpool2d.json, batchnorm2d.json, softmax_xent.json,
  sgd.json, adamw.json  single-op goldens, computed in float64 from inputs
                        that are exactly representable in float32

See README.md for the keys. Needs only torch (Debian python3-torch 1.13, CPU).
"""
import copy
import json
import os

import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))


def put(d, name, t):
    t = torch.as_tensor(t).detach().cpu()
    d[name] = {"shape": list(t.shape), "data": [float(v) for v in t.double().reshape(-1).tolist()]}


def write(name, d):
    path = os.path.join(HERE, name)
    with open(path, "w") as f:
        json.dump(d, f, separators=(",", ":"), sort_keys=True)
        f.write("\n")
    print("wrote", path, len(d), "tensors")


def rand32(gen, *shape):
    """Uniform [-1,1) values rounded to float32, returned as float64."""
    return (torch.rand(*shape, generator=gen) * 2 - 1).float().double()


def article_model():
    return nn.Sequential(
        nn.Conv2d(1, 4, 3, 1, 1), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2, 2),
        nn.Conv2d(4, 4, 3, 1, 1), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2, 2),
        nn.Flatten(), nn.Linear(4 * 7 * 7, 10))


def article(model, x, labels, steps=3, lr=0.07):
    """Record init, first forward/backward, and the state after `steps` Adam steps.

    Every step runs forward (train mode, so BN running stats update once per
    step) and backward on the same batch; the first one is recorded.
    """
    d = {}
    put(d, "input", x)
    put(d, "labels", labels)
    for k, v in model.state_dict().items():
        put(d, "init." + k, v)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    lossf = nn.CrossEntropyLoss()
    model.train()
    for step in range(1, steps + 1):
        opt.zero_grad()
        logits = model(x)
        loss = lossf(logits, labels)
        loss.backward()
        put(d, "loss.step%d" % step, loss)
        if step == 1:
            put(d, "logits", logits)
            put(d, "loss", loss)
            for k, p in model.named_parameters():
                put(d, "grad." + k, p.grad)
        opt.step()
    for k, v in model.state_dict().items():
        put(d, "final." + k, v)
    model.eval()
    with torch.no_grad():
        put(d, "final.eval_logits", model(x))
    return d


def gen_article():
    torch.manual_seed(0)
    model = article_model()
    gen = torch.Generator().manual_seed(1234)
    x = torch.rand(8, 1, 28, 28, generator=gen)
    labels = torch.randint(0, 10, (8,), generator=gen)
    model64 = copy.deepcopy(model).double()
    write("article_f32.json", article(model, x, labels))
    write("article_f64.json", article(model64, x.double(), labels))


def gen_conv2d():
    gen = torch.Generator().manual_seed(11)
    d = {}
    x = rand32(gen, 2, 3, 9, 11).requires_grad_()
    w = rand32(gen, 4, 3, 5, 5).requires_grad_()
    b = rand32(gen, 4).requires_grad_()
    y = F.conv2d(x, w, b, stride=2, padding=2)
    dy = rand32(gen, *y.shape)
    y.backward(dy)
    for k, v in [("x", x), ("w", w), ("b", b), ("y", y), ("dy", dy),
                 ("dx", x.grad), ("dw", w.grad), ("db", b.grad)]:
        put(d, k, v)
    d["params"] = {"shape": [9], "data": [2, 3, 9, 11, 4, 5, 5, 2, 2]}  # N C H W K KH KW Stride Pad
    write("conv2d.json", d)


def gen_maxpool2d():
    gen = torch.Generator().manual_seed(12)
    d = {}
    x = rand32(gen, 2, 2, 7, 9).requires_grad_()
    y, idx = F.max_pool2d(x, 3, 2, return_indices=True)
    dy = rand32(gen, *y.shape)
    y.backward(dy)
    for k, v in [("x", x), ("y", y), ("argmax", idx), ("dy", dy), ("dx", x.grad)]:
        put(d, k, v)
    d["params"] = {"shape": [6], "data": [2, 2, 7, 9, 3, 2]}  # N C H W K Stride
    write("maxpool2d.json", d)


def gen_batchnorm2d():
    gen = torch.Generator().manual_seed(13)
    d = {}
    bn = nn.BatchNorm2d(3).double()  # momentum 0.1, eps 1e-5
    with torch.no_grad():
        bn.weight.copy_(rand32(gen, 3) + 1.5)
        bn.bias.copy_(rand32(gen, 3))
        bn.running_mean.copy_(rand32(gen, 3))
        bn.running_var.copy_(rand32(gen, 3) + 1.5)
    put(d, "gamma", bn.weight)
    put(d, "beta", bn.bias)
    put(d, "running_mean.before", bn.running_mean)
    put(d, "running_var.before", bn.running_var)
    x = (rand32(gen, 4, 3, 5, 5) * 3 + 0.5).requires_grad_()
    bn.train()
    y = bn(x)
    dy = rand32(gen, *y.shape)
    y.backward(dy)
    for k, v in [("x", x), ("y", y), ("dy", dy), ("dx", x.grad),
                 ("dgamma", bn.weight.grad), ("dbeta", bn.bias.grad),
                 ("running_mean.after", bn.running_mean), ("running_var.after", bn.running_var)]:
        put(d, k, v)
    bn.eval()
    with torch.no_grad():
        put(d, "y_eval", bn(x))  # eval with the updated running stats
    d["params"] = {"shape": [5], "data": [4, 3, 25, 0.1, 1e-5]}  # N C HW momentum eps
    write("batchnorm2d.json", d)


def gen_softmax_xent():
    gen = torch.Generator().manual_seed(14)
    d = {}
    z = (rand32(gen, 6, 10) * 4).requires_grad_()
    labels = torch.randint(0, 10, (6,), generator=gen)
    loss = F.cross_entropy(z, labels, label_smoothing=0.1)
    loss.backward()
    for k, v in [("logits", z), ("labels", labels), ("loss", loss), ("dlogits", z.grad)]:
        put(d, k, v)
    put(d, "correct", (z.argmax(1) == labels).sum())
    d["params"] = {"shape": [3], "data": [6, 10, 0.1]}  # N Classes smoothing
    write("softmax_xent.json", d)


def gen_optim(name, make):
    """Two steps with different gradients: step 1 sets the state, step 2 uses it."""
    gen = torch.Generator().manual_seed(15)
    d = {}
    p = nn.Parameter(rand32(gen, 17))
    opt = make([p])
    put(d, "p0", p)
    for step in (1, 2):
        g = rand32(gen, 17)
        p.grad = g.clone()
        opt.step()
        put(d, "g%d" % step, g)
        put(d, "p%d" % step, p)
    write(name, d)


def main():
    torch.set_num_threads(1)  # reproducible summation order
    gen_article()
    gen_conv2d()
    gen_maxpool2d()
    gen_batchnorm2d()
    gen_softmax_xent()
    gen_optim("sgd.json", lambda ps: torch.optim.SGD(ps, lr=0.1, momentum=0.9, nesterov=True, weight_decay=1e-4))
    gen_optim("adamw.json", lambda ps: torch.optim.AdamW(ps, lr=0.01, weight_decay=0.01))


if __name__ == "__main__":
    main()
