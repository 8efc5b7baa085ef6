#!/usr/bin/python3
"""Golden loss curve of the article's recipe, trained by PyTorch.

Run by `make golden` with Debian's python3-torch (CPU):
    /usr/bin/python3 trainer/testdata/gen_tutorial_golden.py

It trains the tutorial network — Conv2d(1,4,3,1,1)-BatchNorm2d-ReLU-MaxPool2d(2,2)
twice, Flatten, Linear(196,10) — full batch with Adam at lr 0.07 on the first
2,000 Fashion-MNIST training images (scaled to [0,1]) for 8 steps, and writes
tutorial_curve.json: the initial state_dict (so glcnn starts from the same
weights) and the training loss and accuracy of every step, measured in the
forward pass that precedes the step, as glcnn's sums are.
"""
import gzip
import json
import os
import struct

import torch
import torch.nn as nn

DATA = "/usr/share/datasets/fashion-mnist"
N, STEPS, LR = 2000, 8, 0.07


def idx(path):
    with gzip.open(path, "rb") as f:
        raw = f.read()
    magic = struct.unpack(">I", raw[:4])[0]
    dims = magic & 0xFF
    shape = struct.unpack(">" + "I" * dims, raw[4:4 + 4 * dims])
    return torch.frombuffer(bytearray(raw[4 + 4 * dims:]), dtype=torch.uint8).reshape(shape)


def main():
    torch.manual_seed(0)
    torch.set_num_threads(2)
    x = idx(os.path.join(DATA, "train-images-idx3-ubyte.gz"))[:N].float().div(255).unsqueeze(1)
    y = idx(os.path.join(DATA, "train-labels-idx1-ubyte.gz"))[:N].long()
    model = nn.Sequential(
        nn.Conv2d(1, 4, 3, 1, 1), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2, 2),
        nn.Conv2d(4, 4, 3, 1, 1), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2, 2),
        nn.Flatten(), nn.Linear(196, 10))
    init = {k: {"shape": list(v.shape), "data": v.flatten().tolist()} for k, v in model.state_dict().items()}
    opt = torch.optim.Adam(model.parameters(), lr=LR)
    loss_fn = nn.CrossEntropyLoss()
    losses, accs = [], []
    model.train()
    for _ in range(STEPS):
        opt.zero_grad()
        out = model(x)
        loss = loss_fn(out, y)
        loss.backward()
        opt.step()
        losses.append(loss.item())
        accs.append((out.argmax(1) == y).float().mean().item())
    here = os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(here, "tutorial_curve.json"), "w") as f:
        json.dump({"n": N, "lr": LR, "init": init, "loss": losses, "acc": accs}, f)
        f.write("\n")
    print("loss", [round(v, 4) for v in losses])


if __name__ == "__main__":
    main()
