#!/usr/bin/python3
"""Golden learning rates of glcnn's schedules, from torch.optim.lr_scheduler.

Run by `make golden` with Debian's python3-torch 1.13 (CPU):
    /usr/bin/python3 trainer/testdata/gen_lr_schedules.py

For each case it builds the optimizer glcnn would (SGD with momentum, so that
OneCycleLR can cycle it; the rates do not depend on the optimizer), attaches
the scheduler glcnn's Config.Schedule stands for, and records the learning
rate of every optimizer step, read from param_groups before the step:

  constant  no scheduler
  step      StepLR(step_size, gamma), stepped once per epoch
  cosine    CosineAnnealingLR(T_max=total steps, eta_min=0), once per step
  onecycle  OneCycleLR(max_lr=lr, total_steps=total steps) with its
            defaults (pct_start 0.3, cos, div 25, final div 1e4), once per step

and writes lr_schedules.json, which TestLRMatchesPyTorch compares with
Config.LR. A case's step_every and gamma are the Config's: 0 stands for
glcnn's defaults (10 and 0.1), which the StepLR here is given explicitly.
"""
import json
import os

import torch

DEFAULT_STEP_EVERY, DEFAULT_GAMMA = 10, 0.1

CASES = [
    # name, schedule, lr, epochs, steps per epoch, step_every, gamma
    ("constant", "constant", 0.07, 3, 4, 0, 0),
    ("step every 2, gamma 0.5", "step", 0.1, 7, 3, 2, 0.5),
    ("step every 1, gamma 0.3", "step", 0.004, 5, 2, 1, 0.3),
    ("step, defaults", "step", 0.1, 25, 1, 0, 0),
    ("cosine 21 steps", "cosine", 0.1, 7, 3, 0, 0),
    ("cosine 1 step a epoch", "cosine", 0.003, 30, 1, 0, 0),
    ("onecycle 21 steps", "onecycle", 0.004, 7, 3, 0, 0),
    ("onecycle 300 steps", "onecycle", 0.003, 3, 100, 0, 0),
    ("onecycle 10 steps", "onecycle", 0.07, 10, 1, 0, 0),
    ("onecycle 3 steps", "onecycle", 0.05, 3, 1, 0, 0),
    ("onecycle 1 step", "onecycle", 0.05, 1, 1, 0, 0),
]


def rates(schedule, lr, epochs, steps, step_every, gamma):
    """The learning rate of each optimizer step, as training reads it."""
    p = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([p], lr=lr, momentum=0.9)
    total = epochs * steps
    sched = None
    if schedule == "step":
        sched = torch.optim.lr_scheduler.StepLR(
            opt, step_size=step_every or DEFAULT_STEP_EVERY, gamma=gamma or DEFAULT_GAMMA)
    elif schedule == "cosine":
        sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=total, eta_min=0)
    elif schedule == "onecycle":
        sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=total)
    out = []
    for _ in range(epochs):
        for _ in range(steps):
            out.append(opt.param_groups[0]["lr"])
            opt.step()
            if schedule in ("cosine", "onecycle"):
                sched.step()
        if schedule == "step":
            sched.step()
    return out


def main():
    cases = []
    for name, schedule, lr, epochs, steps, step_every, gamma in CASES:
        cases.append({
            "name": name, "schedule": schedule, "lr": lr, "epochs": epochs,
            "steps_per_epoch": steps, "step_every": step_every, "gamma": gamma,
            "lrs": rates(schedule, lr, epochs, steps, step_every, gamma),
        })
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "lr_schedules.json")
    # One case a line: the file stays small and its diffs readable.
    with open(out, "w") as f:
        f.write('{"torch": %s, "cases": [\n' % json.dumps(torch.__version__))
        f.write(",\n".join(json.dumps(c) for c in cases))
        f.write("\n]}\n")
    print("wrote", out)


if __name__ == "__main__":
    main()
