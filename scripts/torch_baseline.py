#!/usr/bin/python3
"""PyTorch baseline for `glcnn bench`: trains the same networks on the same
data with the same batch, on the CPU with 2 threads, and prints img/s.

Usage:
  scripts/torch_baseline.py --report glcnn.json [--json torch.json]
  scripts/torch_baseline.py --arch conv:16:3,bn,relu,maxpool:2,flatten,fc:10 --batch 128 --steps 10

With --report, every end-to-end row of a `glcnn bench --json` report is
re-run: its preset's arch spec, optimizer, learning rate, weight decay,
label smoothing, normalisation and augmentation, its batch, and the same
number of images (the first `images` of the training set) and steps. The
data is read from the same Fashion-MNIST IDX files (Debian's
dataset-fashion-mnist). Timing: one warm-up step, then the timed steps, as
glcnn does. Each network comes from `glcnn modules --arch SPEC` (the module
list glcnn's op registry gives; --glcnn names the binary). Needs
/usr/bin/python3 with python3-torch (`make deps-torch`).
"""
import argparse
import gzip
import json
import os
import struct
import subprocess
import sys
import time

import numpy as np
import torch
import torch.nn as nn

DATA = "/usr/share/datasets/fashion-mnist"


def read_idx(path):
    op = gzip.open if path.endswith(".gz") else open
    with op(path, "rb") as f:
        raw = f.read()
    magic, = struct.unpack(">I", raw[:4])
    dims = magic & 0xFF
    shape = struct.unpack(">" + "I" * dims, raw[4:4 + 4 * dims])
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def find(folder, name):
    for n in (name, name + ".gz"):
        p = os.path.join(folder, n)
        if os.path.exists(p):
            return p
    sys.exit(f"torch_baseline: {name} not found in {folder} (apt-get install dataset-fashion-mnist)")


def glcnn_command(glcnn):
    """The command that runs glcnn: --glcnn, else $GLCNN, else ./glcnn when
    built, else `go run ./cmd/glcnn` in the repository."""
    if glcnn:
        return [glcnn]
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    built = os.path.join(root, "glcnn")
    if os.access(built, os.X_OK):
        return [built]
    return ["go", "run", os.path.join(root, "cmd", "glcnn")]


def build(arch, glcnn, in_shape=(1, 28, 28)):
    """nn.Sequential for a glcnn arch spec, from the module list glcnn
    prints for it (`glcnn modules`): this script parses no arch spec."""
    cmd = glcnn + ["modules", "--arch", arch, "--input", ",".join(map(str, in_shape))]
    try:
        out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    except (OSError, subprocess.CalledProcessError) as e:
        sys.exit(f"torch_baseline: {' '.join(cmd)}: {getattr(e, 'stderr', '') or e}")
    return nn.Sequential(*[getattr(nn, m["type"])(*m.get("args", []), **m.get("kwargs", {}))
                           for m in json.loads(out)])


def augment(x, flip, shift):
    """Per-sample horizontal flip; one random shift per batch (glcnn shifts
    each sample: one roll of the whole batch is the cheaper of the two, so
    the difference, if any, favours PyTorch's figure)."""
    if flip:
        m = torch.rand(x.shape[0], 1, 1, 1) < 0.5
        x = torch.where(m, x.flip(3), x)
    if shift:
        dx, dy = np.random.randint(-shift, shift + 1, size=2)
        x = torch.roll(x, shifts=(int(dy), int(dx)), dims=(2, 3))
    return x


def run(cfg, batch, images, steps, pixels, labels, glcnn):
    torch.manual_seed(cfg.get("seed", 1))
    model = build(cfg["arch"], glcnn)
    opt_name = cfg.get("optimizer", "adam").lower()
    lr, wd = cfg.get("lr", 1e-3), cfg.get("weight_decay", 0.0)
    if opt_name == "sgd":
        opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=cfg.get("momentum", 0), weight_decay=wd,
                              nesterov=cfg.get("nesterov", False))
    elif opt_name == "adamw":
        opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=wd)
    else:
        opt = torch.optim.Adam(model.parameters(), lr=lr, weight_decay=wd)
    loss_fn = nn.CrossEntropyLoss(label_smoothing=cfg.get("label_smoothing", 0.0))
    mean, std = cfg.get("mean", 0.0), cfg.get("std", 1.0)
    x_all = (torch.from_numpy(pixels[:images].astype(np.float32)).unsqueeze(1) / 255 - mean) / std
    y_all = torch.from_numpy(labels[:images].astype(np.int64))
    flip, shift = cfg.get("flip", False), cfg.get("shift", 0)

    def step(i, perm):
        idx = perm[i * batch:(i + 1) * batch]
        x = augment(x_all[idx], flip, shift)
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(x), y_all[idx])
        loss.backward()
        opt.step()
        return loss

    model.train()
    step(0, torch.randperm(images))  # warm-up
    perm = torch.randperm(images)
    t0 = time.perf_counter()
    total = torch.zeros(())
    for i in range(steps):
        total += step(i, perm).detach()
    float(total)
    train_s = time.perf_counter() - t0

    model.eval()
    with torch.no_grad():
        model(x_all[:batch])
        t0 = time.perf_counter()
        for i in range(0, images, batch):
            model(x_all[i:i + batch]).argmax(1)
        infer_s = time.perf_counter() - t0
    return steps * batch / train_s, images / infer_s


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--report", help="a `glcnn bench --json` report whose end-to-end rows to re-run")
    ap.add_argument("--arch", help="an arch spec, instead of --report")
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--data", default=DATA)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--json", help="write the results here (for glcnn bench --torch)")
    ap.add_argument("--glcnn", default=os.environ.get("GLCNN"),
                    help="the glcnn binary that prints each network's modules (default: $GLCNN, ./glcnn, go run)")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)

    jobs = []
    if a.report:
        with open(a.report) as f:
            rep = json.load(f)
        for row in rep.get("end_to_end") or []:
            jobs.append((row["preset"], row["config"], row["batch"], row["images"], row["steps"]))
    elif a.arch:
        jobs.append(("custom", {"arch": a.arch}, a.batch, a.batch * a.steps, a.steps))
    else:
        ap.error("give --report or --arch")

    pixels = read_idx(find(a.data, "train-images-idx3-ubyte"))
    labels = read_idx(find(a.data, "train-labels-idx1-ubyte"))
    results = []
    print(f"PyTorch {torch.__version__}, CPU, {torch.get_num_threads()} threads")
    print(f"{'preset':10} {'batch':>6} {'images':>7} {'train img/s':>12} {'infer img/s':>12}")
    for preset, cfg, batch, images, steps in jobs:
        train, infer = run(cfg, batch, images, steps, pixels, labels, glcnn_command(a.glcnn))
        print(f"{preset:10} {batch:6d} {images:7d} {train:12.1f} {infer:12.1f}", flush=True)
        results.append({"preset": preset, "batch": batch, "images": images, "steps": steps,
                        "train_img_s": train, "infer_img_s": infer,
                        "torch": torch.__version__, "threads": torch.get_num_threads()})
    if a.json:
        with open(a.json, "w") as f:
            json.dump(results, f, indent=2)


if __name__ == "__main__":
    main()
