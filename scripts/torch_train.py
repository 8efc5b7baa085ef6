#!/usr/bin/python3
"""Time to accuracy in PyTorch: trains a glcnn preset's recipe on the CPU
(2 threads) and prints, after each epoch, the seconds spent and the test
accuracy, and the first epoch whose test accuracy reaches --target.

Usage:
  scripts/torch_train.py --preset default [--target 0.91] [--json torch.json]
  scripts/torch_train.py --config runs/latest/config.json   # a glcnn run's exact recipe

The recipe is glcnn's (trainer/config.go; --config reads a run folder's
config.json instead): the network from `glcnn modules` (so PyTorch's default
initialisation, as glcnn's), the optimizer (Adam/AdamW with betas 0.9, 0.999,
eps 1e-8, or SGD), the learning rate of every optimizer step (onecycle:
OneCycleLR with cycle_momentum=False, since glcnn keeps Adam's beta1 fixed;
cosine: CosineAnnealingLR; step: StepLR once per epoch), label smoothing,
the batch (the last one of an epoch partial), the epochs, normalisation
(x/255 - mean) / std, augmentation (torch_baseline.augment), and a
stratified validation split of the same size per class (largest remainder,
as data.Split; the images drawn differ, glcnn's PCG is not reproduced), with
a new order every epoch. Timing matches glcnn's epoch log: `train_s` is the
optimizer steps only, `train_val_s` adds the validation evaluation (glcnn's
metrics.csv `seconds`, the "s of training" it reports); `cpu_s` is the
process's CPU seconds (all threads) over train_val_s's span, which sharing
the machine with other jobs inflates less than the wall clock. All three are
cumulative and exclude the test evaluation, done after each epoch only to
find when --target is reached. Data: the Fashion-MNIST IDX files that
torch_baseline reads; its helpers are imported, not copied.
"""
import argparse
import json
import math
import os
import subprocess
import sys
import time

import numpy as np
import torch
import torch.nn as nn

import torch_baseline as tb

# The recipes of trainer/config.go's presets (the fields this script uses).
# Each arch is checked against `glcnn modules --preset NAME` at start-up, so
# a preset changed in Go but not here stops the script instead of timing
# another network.
ARTICLE = dict(epochs=25, batch=0, optimizer="adam", lr=0.07, schedule="constant", val=0.1, seed=1, std=1)
PRESETS = {
    "tutorial": dict(ARTICLE, arch="conv:4:3:1:1,bn,relu,maxpool:2,conv:4:3:1:1,bn,relu,maxpool:2,flatten,fc:10"),
    "mlp": dict(ARTICLE, arch="flatten,fc:64,relu,fc:10"),
    "default": dict(arch="conv:16:3,maxpool:2,bn,relu,conv:32:3,maxpool:2,bn,relu,flatten,fc:64,relu,fc:10",
                    epochs=3, batch=128, optimizer="adam", lr=0.004, schedule="onecycle", val=0.1, seed=1, std=1),
    "best": dict(arch="conv:64:3,bn,relu,conv:64:3,bn,relu,maxpool:2,dropout:0.1,conv:128:3,bn,relu,"
                      "conv:128:3,bn,relu,maxpool:2,dropout:0.2,flatten,fc:256,bn,relu,dropout:0.3,fc:10",
                 epochs=30, batch=128, optimizer="adamw", lr=0.003, weight_decay=0.05, schedule="onecycle",
                 label_smoothing=0.1, flip=True, shift=2, val=0.1, seed=1, mean=0.286, std=0.353),
}


def modules(glcnn, *flags):
    return subprocess.run(glcnn + ["modules", *flags], check=True, capture_output=True, text=True).stdout


def split(labels, val, seed):
    """Training and validation indices: round(val*n) held out, apportioned
    among the classes by the largest remainder (ties to the lower label), each
    class's drawn at random; both keep the images' order."""
    groups = [np.flatnonzero(labels == c) for c in range(10)]
    ideal = [val * len(g) for g in groups]
    take = [math.floor(x) for x in ideal]
    for c in sorted(range(10), key=lambda c: (-(ideal[c] - take[c]), c))[:round(val * len(labels)) - sum(take)]:
        take[c] += 1
    held = np.zeros(len(labels), bool)
    for c, g in enumerate(groups):
        held[np.random.default_rng([seed, c]).permutation(g)[:take[c]]] = True
    return np.flatnonzero(~held), np.flatnonzero(held)


def optimizer(cfg, params):
    name, lr, wd = cfg.get("optimizer", "adam").lower(), cfg["lr"], cfg.get("weight_decay", 0.0)
    if name == "sgd":
        return torch.optim.SGD(params, lr=lr, momentum=cfg.get("momentum", 0), weight_decay=wd,
                               nesterov=cfg.get("nesterov", False))
    if name == "adamw":
        return torch.optim.AdamW(params, lr=lr, weight_decay=wd)
    return torch.optim.Adam(params, lr=lr, weight_decay=wd)


def scheduler(cfg, opt, total):
    """(scheduler, stepped per optimizer step?) for Config.Schedule, as
    trainer/testdata/gen_lr_schedules.py builds them."""
    s = cfg.get("schedule") or "constant"
    if s == "onecycle":
        return torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=cfg["lr"], total_steps=total, cycle_momentum=False), True
    if s == "cosine":
        return torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=total, eta_min=0), True
    if s == "step":
        return torch.optim.lr_scheduler.StepLR(opt, step_size=cfg.get("step_every") or 10,
                                               gamma=cfg.get("gamma") or 0.1), False
    return None, False


def evaluate(model, x, y, loss_fn, batch=1000):
    """Mean loss and accuracy in eval mode."""
    model.eval()
    loss, correct = 0.0, 0
    with torch.no_grad():
        for i in range(0, len(y), batch):
            out = model(x[i:i + batch])
            loss += float(loss_fn(out, y[i:i + batch])) * len(out)
            correct += int((out.argmax(1) == y[i:i + batch]).sum())
    model.train()
    return loss / len(y), correct / len(y)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--preset", default="default", choices=sorted(PRESETS))
    ap.add_argument("--config", help="a glcnn run folder's config.json (instead of --preset)")
    ap.add_argument("--epochs", type=int, help="override the recipe's epochs")
    ap.add_argument("--seed", type=int, help="override the recipe's seed")
    ap.add_argument("--target", type=float, default=0.91, help="test accuracy to reach (default 0.91)")
    ap.add_argument("--data", default=tb.DATA)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--json", help="write the per-epoch results here")
    ap.add_argument("--glcnn", default=os.environ.get("GLCNN"),
                    help="the glcnn binary that prints the network's modules (default: $GLCNN, ./glcnn, go run)")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    glcnn = tb.glcnn_command(a.glcnn)
    if a.config:
        with open(a.config) as f:
            cfg = json.load(f)
    else:
        cfg = dict(PRESETS[a.preset])
        if modules(glcnn, "--preset", a.preset) != modules(glcnn, "--arch", cfg["arch"]):
            sys.exit(f"torch_train: PRESETS[{a.preset!r}] is not glcnn's preset any more (trainer/config.go)")
    cfg.update({k: v for k, v in (("epochs", a.epochs), ("seed", a.seed)) if v is not None})
    seed, epochs = cfg.get("seed", 1), cfg["epochs"]
    if epochs < 1:
        ap.error("--epochs must be at least 1")

    def load(kind):
        px = tb.read_idx(tb.find(a.data, f"{kind}-images-idx3-ubyte"))
        lb = tb.read_idx(tb.find(a.data, f"{kind}-labels-idx1-ubyte"))
        x = (torch.from_numpy(px.astype(np.float32)).unsqueeze(1) / 255 - cfg.get("mean", 0.0)) / cfg.get("std", 1.0)
        return x, torch.from_numpy(lb.astype(np.int64)), lb

    x_all, y_all, lb = load("train")
    if cfg.get("limit"):
        x_all, y_all, lb = x_all[:cfg["limit"]], y_all[:cfg["limit"]], lb[:cfg["limit"]]
    ti, vi = split(lb, cfg.get("val", 0.0), seed)
    x_tr, y_tr, x_val, y_val = x_all[ti], y_all[ti], x_all[vi], y_all[vi]
    x_te, y_te, _ = load("t10k")

    torch.manual_seed(seed)
    np.random.seed(seed)
    model = tb.build(cfg["arch"], glcnn)
    n = len(y_tr)
    batch = cfg.get("batch") or n
    steps = (n + batch - 1) // batch
    opt = optimizer(cfg, model.parameters())
    sched, per_step = scheduler(cfg, opt, steps * epochs)
    loss_fn = nn.CrossEntropyLoss(label_smoothing=cfg.get("label_smoothing", 0.0))
    flip, shift = cfg.get("flip", False), cfg.get("shift", 0)

    print(f"PyTorch {torch.__version__}, CPU, {torch.get_num_threads()} threads; {cfg['arch']} on {n} images "
          f"({len(vi)} validation), batch {batch}, {epochs} epochs, {cfg['optimizer']} lr {cfg['lr']} "
          f"{cfg.get('schedule')}, seed {seed}", flush=True)
    print(f"{'epoch':>5} {'loss':>7} {'acc':>7} {'val_acc':>7} {'test_acc':>8} {'lr':>9} "
          f"{'train_s':>8} {'train_val_s':>11} {'cpu_s':>7} {'img/s':>7}")
    rows, reached, train_s, val_s, cpu_s = [], None, 0.0, 0.0, 0.0
    model.train()
    for epoch in range(epochs):
        lr = opt.param_groups[0]["lr"]
        t0, c0 = time.perf_counter(), time.process_time()
        perm = torch.randperm(n)
        loss_sum, correct = torch.zeros(()), torch.zeros((), dtype=torch.int64)
        for i in range(steps):
            idx = perm[i * batch:(i + 1) * batch]
            x, y = tb.augment(x_tr[idx], flip, shift), y_tr[idx]
            opt.zero_grad(set_to_none=True)
            out = model(x)
            loss = loss_fn(out, y)
            loss.backward()
            lr = opt.param_groups[0]["lr"]
            opt.step()
            if per_step:
                sched.step()
            loss_sum += loss.detach() * len(y)
            correct += (out.detach().argmax(1) == y).sum()
        if sched is not None and not per_step:
            sched.step()
        epoch_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        val_loss, val_acc = evaluate(model, x_val, y_val, loss_fn) if len(vi) else (math.nan, math.nan)
        train_s, val_s = train_s + epoch_s, val_s + time.perf_counter() - t0
        cpu_s += time.process_time() - c0
        _, test_acc = evaluate(model, x_te, y_te, loss_fn)
        row = dict(epoch=epoch + 1, train_loss=float(loss_sum) / n, train_acc=int(correct) / n, val_loss=val_loss,
                   val_acc=val_acc, test_acc=test_acc, lr=lr, train_s=train_s, train_val_s=train_s + val_s,
                   cpu_s=cpu_s, img_per_s=n / epoch_s)
        rows.append(row)
        print(f"{row['epoch']:5d} {row['train_loss']:7.4f} {100 * row['train_acc']:6.2f}% {100 * val_acc:6.2f}% "
              f"{100 * test_acc:7.2f}% {lr:9.3g} {train_s:8.1f} {row['train_val_s']:11.1f} {cpu_s:7.1f} "
              f"{row['img_per_s']:7.0f}", flush=True)
        if reached is None and test_acc >= a.target:
            reached = row
    if reached:
        print(f"test accuracy >= {100 * a.target:g}% first after epoch {reached['epoch']}: "
              f"{reached['train_val_s']:.1f} s of training with validation ({reached['train_s']:.1f} s without)")
    else:
        print(f"test accuracy never reached {100 * a.target:g}% (last {100 * rows[-1]['test_acc']:.2f}%)")
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"config": cfg, "target": a.target, "torch": torch.__version__,
                       "threads": torch.get_num_threads(), "epochs": rows,
                       "reached": reached and {k: reached[k] for k in
                                               ("epoch", "train_s", "train_val_s", "cpu_s", "test_acc")},
                       "load_avg": os.getloadavg()}, f, indent=2)


if __name__ == "__main__":
    main()
