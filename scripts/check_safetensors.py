#!/usr/bin/env python3
"""Load a glcnn model.safetensors into the equivalent PyTorch model and check it.

    scripts/check_safetensors.py MODEL.safetensors [--modules JSON] [--input C,H,W]
                                 [--predictions submission.csv] [--images FILE.idx[.gz]]
                                 [--labels FILE.idx[.gz]] [--mean M] [--std S]
                                 [--onnx OUT.onnx] [--check-onnx FILE.onnx]
    scripts/check_safetensors.py --runs FILE|-

What it does:
  1. Reads the file with a tiny pure-Python safetensors reader (json + struct +
     torch.frombuffer; Debian packages torch but not the `safetensors` module).
  2. Builds the nn.Sequential from the module list glcnn writes in the file's
     __metadata__ "modules" (or --modules; `glcnn modules --arch SPEC` prints
     it): each {"type": T, "args": [...], "kwargs": {...}} is
     getattr(torch.nn, T)(*args, **kwargs), so this script parses no arch
     spec. The input shape is metadata "input" (or --input, default
     1,28,28). It checks that every tensor name, shape and
     dtype matches its state_dict, nothing missing or extra (num_batches_tracked
     included, which load_state_dict alone would let pass), and calls
     load_state_dict(strict=True).
  3. With --predictions: runs the model in eval mode on the images, each
     pixel v fed as (v/255 - mean)/std with mean and std from the metadata
     keys "mean" and "std" (default 0 and 1: plain v/255, or --mean/--std),
     as glcnn feeds them; compares its argmax, row by row, with the csv's
     label column and exits 1 unless every prediction agrees. Images default
     to the Fashion-MNIST test set in /usr/share/datasets/fashion-mnist; with
     labels (that set's own, or --labels) it also prints the test accuracy.
  4. With --onnx OUT: exports the model to ONNX with torch.onnx.export
     (opset 13). The graph takes what glcnn takes before normalising: input
     "input", float32 N x C x H x W, each pixel v as v/255 in [0, 1] (what
     torchvision's ToTensor gives), the batch N free; the normalisation
     (x - mean)/std comes first in the graph when mean/std are not 0/1. Its
     output "logits" is N x classes (apply softmax for probabilities). Then,
     when the `onnx` Python module is installed (Debian: python3-onnx), it
     checks the file: it records the arch and normalisation in the model's
     metadata_props, runs onnx.checker.check_model(full_check=True) (the
     ONNX schema and strict shape inference), reads the graph back from the
     file and evaluates it node by node (one handler per op type in
     scripts/onnx_ops/, see its README) with torch.nn.functional on its own
     weights (initializers) and attributes, and compares the logits with the
     PyTorch model's on 8 random inputs, and, with --predictions, the
     argmax on every image with the csv. Without the module it says so, and
     only the export itself has been checked (torch raised no error and the
     file is not empty). onnxruntime is not used (Debian does not package
     it); the evaluation covers the op types with a handler in
     scripts/onnx_ops/ (Conv, BatchNormalization, Relu, MaxPool, Flatten,
     Gemm, Sub, Div, Constant, Identity, Dropout, ...); any other op is
     reported as unchecked, exit 1.
     --check-onnx FILE runs those checks on an existing file, exporting
     nothing.

Module i of the list owns the state_dict keys "i.weight", "i.bias",
"i.running_mean", ..., as in glcnn's files. A file without "modules"
(written by a glcnn before the op registry) is refused with a message
saying how to get the list; the arch spec itself is only printed.

Exit status: 0 all good, 1 a check failed (load or predictions), 2 usage.

--runs FILE (- for stdin) runs several checks in this one process, so that
torch is imported once: each line of FILE is a JSON list of the arguments of
one check, as above; after each check's output comes a line "== exit N",
its exit status, flushed before the next line is read (a program can write
a line and wait for its answer). The script's own exit status is the
largest of them.

How it was checked: trainer/torchcheck_test.go (TestCheckSafetensorsScript)
writes a random net with every op of glcnn's registry (the example item of
each: today conv, 1-d and 2-d batch norm, strided and padded convolutions,
strided pooling, dropout and two linear layers) and its "modules" metadata,
computes its predictions with the ops' float64 references (layers/ref), and
runs this script on them:
    go test ./trainer/ -run TestCheckSafetensorsScript -v
It expects agreement on 100 random images in a gzipped IDX file given with
--images (100/100), on the real Fashion-MNIST test set by default (10000/10000
agree; the test checks the random net predicts all 10 classes there), exit 1
naming row 17 when that csv label is changed, and exit 1 naming the tensor
when a num_batches_tracked is left out of the file. trainer/onnx_test.go
(TestCheckSafetensorsONNX) runs --onnx on the same net and images:
    go test ./trainer/ -run TestCheckSafetensorsONNX -v
By hand, on a run folder:
    /usr/bin/python3 scripts/check_safetensors.py runs/latest/model.safetensors \
        --predictions runs/latest/submission.csv --onnx runs/latest/model.onnx
"""

import argparse
import csv
import gzip
import json
import os
import struct
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

DEFAULT_DATA = "/usr/share/datasets/fashion-mnist"

DTYPES = {
    "F64": torch.float64, "F32": torch.float32, "F16": torch.float16,
    "BF16": torch.bfloat16, "I64": torch.int64, "I32": torch.int32,
    "I16": torch.int16, "I8": torch.int8, "U8": torch.uint8, "BOOL": torch.bool,
}


class CheckError(Exception):
    """A check failed; the message says which and why."""


def read_safetensors(path):
    """Return (state_dict, metadata) of a safetensors file, tensors in file order."""
    with open(path, "rb") as f:
        raw = f.read()
    if len(raw) < 8:
        raise CheckError(f"{path}: {len(raw)} bytes, too short for a safetensors file")
    (n,) = struct.unpack("<Q", raw[:8])
    if n > len(raw) - 8:
        raise CheckError(f"{path}: header length {n} is past the end of the file")
    header = json.loads(raw[8:8 + n].decode("utf-8"))
    data = memoryview(raw)[8 + n:]
    meta = header.pop("__metadata__", None) or {}
    if sys.byteorder != "little":  # safetensors data is little-endian
        raise CheckError("this reader only runs on little-endian machines")
    entries = sorted(header.items(), key=lambda kv: tuple(kv[1]["data_offsets"]))
    state = {}
    for name, e in entries:
        if e["dtype"] not in DTYPES:
            raise CheckError(f"{path}: tensor {name}: unsupported dtype {e['dtype']}")
        dtype, shape = DTYPES[e["dtype"]], e["shape"]
        begin, end = e["data_offsets"]
        if not 0 <= begin <= end <= len(data):
            raise CheckError(f"{path}: tensor {name}: data_offsets {e['data_offsets']} outside the data")
        count = 1
        for d in shape:
            count *= d
        if count * torch.empty((), dtype=dtype).element_size() != end - begin:
            raise CheckError(f"{path}: tensor {name}: shape {shape} does not match {end - begin} bytes")
        if count == 0:
            t = torch.empty(shape, dtype=dtype)
        else:
            # bytearray: frombuffer wants a writable buffer; clone is not needed.
            t = torch.frombuffer(bytearray(data[begin:end]), dtype=dtype).reshape(shape)
        state[name] = t
    return state, meta


def build_model(modules):
    """Return the nn.Sequential of a glcnn module list: [{"type": "Conv2d",
    "args": [1, 16, 3], "kwargs": {"stride": 1, "padding": 1}}, ...]."""
    if not isinstance(modules, list) or not modules:
        raise CheckError("the module list must be a non-empty JSON list")
    layers = []
    for i, m in enumerate(modules):
        cls = getattr(nn, m.get("type", ""), None) if isinstance(m, dict) else None
        if not (isinstance(cls, type) and issubclass(cls, nn.Module)):
            raise CheckError(f"module {i} {m!r}: not a torch.nn module")
        try:
            layers.append(cls(*m.get("args", []), **m.get("kwargs", {})))
        except (TypeError, ValueError, RuntimeError) as e:
            raise CheckError(f"module {i} {m!r}: {e}")
    return nn.Sequential(*layers)


def check_keys(want, got):
    """Check names, shapes and dtypes before load_state_dict, which is laxer
    than its name says: with strict=True it still fills in a missing BatchNorm
    num_batches_tracked (it takes a plain dict for an old-version state_dict)
    and casts dtypes silently."""
    problems = []
    for k in want:
        if k not in got:
            problems.append(f"missing {k}")
        elif tuple(got[k].shape) != tuple(want[k].shape):
            problems.append(f"{k}: shape {list(got[k].shape)}, want {list(want[k].shape)}")
        elif got[k].dtype != want[k].dtype:
            problems.append(f"{k}: dtype {got[k].dtype}, want {want[k].dtype}")
    problems += [f"unexpected {k}" for k in got if k not in want]
    if problems:
        raise CheckError("state_dict does not match the arch: " + "; ".join(problems))


def read_idx(path, dims):
    """Return a uint8 tensor of an IDX file (gzipped or not) with `dims` dimensions."""
    with open(path, "rb") as f:
        raw = f.read()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    magic = struct.unpack(">I", raw[:4])[0]
    if magic != 0x800 + dims:
        raise CheckError(f"{path}: IDX magic {magic:#x}, want {0x800 + dims:#x}")
    shape = struct.unpack(f">{dims}I", raw[4:4 + 4 * dims])
    body = raw[4 + 4 * dims:]
    count = 1
    for d in shape:
        count *= d
    if len(body) != count:
        raise CheckError(f"{path}: {len(body)} bytes of data for shape {shape}")
    return torch.frombuffer(bytearray(body), dtype=torch.uint8).reshape(shape)


def read_labels_csv(path):
    """Return the label column of a csv with a header naming a "label" column."""
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    if not rows or "label" not in rows[0]:
        raise CheckError(f"{path}: no header with a label column")
    col = rows[0].index("label")
    try:
        return [int(r[col]) for r in rows[1:] if r]
    except (ValueError, IndexError) as e:
        raise CheckError(f"{path}: bad label: {e}")


def predict(model, images, input_shape, mean, std):
    """Return (argmax, top-2 margin) of the model on uint8 images, in batches."""
    model.eval()
    preds, margins = [], []
    with torch.no_grad():
        for i in range(0, images.shape[0], 1000):
            x = images[i:i + 1000].float().div(255).sub(mean).div(std).reshape(-1, *input_shape)
            logits = model(x)
            top = logits.topk(2, dim=1).values
            preds.append(logits.argmax(dim=1))
            margins.append(top[:, 0] - top[:, 1])
    return torch.cat(preds), torch.cat(margins)


def check_predictions(model, args, input_shape, mean, std):
    """Compare the model's argmax with the csv; return (images, csv labels)."""
    images_path = args.images or os.path.join(DEFAULT_DATA, "t10k-images-idx3-ubyte.gz")
    labels_path = args.labels
    if labels_path is None and args.images is None:
        labels_path = os.path.join(DEFAULT_DATA, "t10k-labels-idx1-ubyte.gz")
    images = read_idx(images_path, 3)
    want = torch.tensor(read_labels_csv(args.predictions))
    if len(want) != images.shape[0]:
        raise CheckError(f"{args.predictions} has {len(want)} rows, {images_path} has {images.shape[0]} images")
    got, margin = predict(model, images, input_shape, mean, std)
    agree = int((got == want).sum())
    print(f"predictions: {agree}/{len(want)} agree with {args.predictions} ({images_path})")
    if labels_path:
        labels = read_idx(labels_path, 1).long()
        print(f"torch test accuracy: {100 * float((got == labels).float().mean()):.2f}%")
    if agree != len(want):
        bad = (got != want).nonzero().flatten()[:10].tolist()
        for r in bad:
            print(f"  row {r}: csv {int(want[r])}, torch {int(got[r])} (torch top-2 logit margin {float(margin[r]):.3g})")
        raise CheckError(f"{len(want) - agree} predictions disagree")
    return images, want


ONNX_OPSET = 13


def export_onnx(model, path, input_shape, mean, std):
    """Export model, with (x - mean)/std in front unless that is the identity,
    to an ONNX file taking x = pixels/255, with a free batch dimension."""
    model.eval()
    hook = None
    if mean != 0 or std != 1:
        # A pre-hook rather than a wrapping module, so that the ONNX
        # initializers keep the state_dict's names ("4.weight", ...).
        hook = model.register_forward_pre_hook(lambda _, inputs: ((inputs[0] - mean) / std,))
    try:
        torch.onnx.export(model, torch.rand(1, *input_shape), path, opset_version=ONNX_OPSET,
                          input_names=["input"], output_names=["logits"],
                          dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}})
    except RuntimeError as e:  # torch.onnx's errors derive from it
        raise CheckError(f"torch.onnx.export failed: {e}")
    finally:
        if hook is not None:
            hook.remove()
    size = os.path.getsize(path)
    if size == 0:
        raise CheckError(f"{path}: torch.onnx.export wrote an empty file")
    norm = f"normalised inside the graph as (x - {mean:g}) / {std:g}" if hook else "no normalisation (mean 0, std 1)"
    print(f"onnx: wrote {path} ({size} bytes, opset {ONNX_OPSET}); input: float32 N x {' x '.join(map(str, input_shape))}, "
          f"pixels/255, {norm}; output: logits")


ONNX_OPS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "onnx_ops")


def onnx_handlers():
    """Return {op type: run(node, attrs, ins)} from scripts/onnx_ops/<OpType>.py
    (files starting with "_" are helpers)."""
    import importlib.util
    if ONNX_OPS_DIR not in sys.path:
        sys.path.insert(0, ONNX_OPS_DIR)  # the handlers import the helpers
    handlers = {}
    for name in sorted(os.listdir(ONNX_OPS_DIR)):
        if not name.endswith(".py") or name.startswith("_"):
            continue
        spec = importlib.util.spec_from_file_location("onnx_op_" + name[:-3], os.path.join(ONNX_OPS_DIR, name))
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        handlers[name[:-3]] = mod.run
    return handlers


def run_onnx_graph(graph, x, handlers=None):
    """Evaluate an ONNX graph on x, node by node, with the handlers of
    scripts/onnx_ops (torch.nn.functional): an evaluator independent of the
    exporter, for the ops glcnn's networks export to."""
    from onnx import helper, numpy_helper
    handlers = handlers or onnx_handlers()
    env = {t.name: torch.from_numpy(numpy_helper.to_array(t).copy()) for t in graph.initializer}
    env[graph.input[0].name] = x
    for node in graph.node:
        a = {at.name: helper.get_attribute_value(at) for at in node.attribute}
        ins = [env[name] if name else None for name in node.input]
        run = handlers.get(node.op_type)
        if run is None:
            raise CheckError(f"ONNX node {node.name}: op {node.op_type} is not one this check evaluates "
                             f"(no {node.op_type}.py in {ONNX_OPS_DIR}), so the file is unchecked")
        try:
            env[node.output[0]] = run(node, a, ins)
        except NotImplementedError as e:
            raise CheckError(f"ONNX node {node.name}: {e}")
    return env[graph.output[0].name]


def balanced_close(got, want, r=1e-4, a=1e-5):
    """Return the elements outside |got-want| <= max(r*|got+want|, a)."""
    bad = (got - want).abs() > torch.maximum(r * (got + want).abs(), torch.full_like(got, a))
    return bad.nonzero().tolist()


def check_onnx(path, reference, input_shape, meta=None, images=None, want=None):
    """Check an ONNX file with the onnx module, when it is installed: the
    checker, and the graph read back and evaluated against the PyTorch model
    (reference: pixels/255 to logits). meta, when given, is first added to
    the file's metadata_props."""
    try:
        import onnx
        import onnx.checker
        import onnx.shape_inference
    except ImportError:
        print(f"onnx: the onnx Python module is not installed (Debian: python3-onnx): {path} is not checked")
        return
    proto = onnx.load(path)
    if meta:
        for k, v in sorted(meta.items()):
            entry = proto.metadata_props.add()
            entry.key, entry.value = k, v
        onnx.save(proto, path)
        proto = onnx.load(path)  # what a user loads
    try:
        onnx.checker.check_model(proto, full_check=True)
    except (onnx.checker.ValidationError, onnx.shape_inference.InferenceError) as e:
        raise CheckError(f"{path} fails onnx.checker: {e}")
    ops = sorted({n.op_type for n in proto.graph.node})
    print(f"onnx: {path} passes onnx.checker (onnx {onnx.__version__}, full check); "
          f"{len(proto.graph.node)} nodes ({', '.join(ops)}), {len(proto.graph.initializer)} initializers")
    gen = torch.Generator().manual_seed(1)
    x = torch.rand(8, *input_shape, generator=gen)
    with torch.no_grad():
        got, ref = run_onnx_graph(proto.graph, x), reference(x)
    if got.shape != ref.shape:
        raise CheckError(f"ONNX graph gives logits of shape {list(got.shape)}, PyTorch {list(ref.shape)}")
    bad = balanced_close(got, ref)
    print(f"onnx: graph re-evaluated from the file on 8 random inputs: logits within 1e-4 relative of PyTorch's, "
          f"max |diff| {float((got - ref).abs().max()):.3g}" if not bad else
          f"onnx: {len(bad)} logits differ from PyTorch's, first at {bad[:5]}")
    if bad:
        raise CheckError("the ONNX graph's logits differ from the PyTorch model's")
    if images is None:
        return
    preds = []
    handlers = onnx_handlers()
    with torch.no_grad():
        for i in range(0, images.shape[0], 1000):
            x = images[i:i + 1000].float().div(255).reshape(-1, *input_shape)
            preds.append(run_onnx_graph(proto.graph, x, handlers).argmax(dim=1))
    preds = torch.cat(preds)
    agree = int((preds == want).sum())
    print(f"onnx: graph predictions: {agree}/{len(want)} agree with the csv")
    if agree != len(want):
        raise CheckError(f"{len(want) - agree} ONNX predictions disagree with the csv")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("model", help="a glcnn model.safetensors")
    ap.add_argument("--modules", help="module list as JSON (default: the file's metadata \"modules\"; "
                    "`glcnn modules --arch SPEC` prints it)")
    ap.add_argument("--input", help="input shape C,H,W (default: metadata \"input\", else 1,28,28)")
    ap.add_argument("--predictions", help="a csv with a label column (e.g. submission.csv) to compare with")
    ap.add_argument("--images", help="IDX images the csv predicts (default: Fashion-MNIST test set)")
    ap.add_argument("--labels", help="IDX labels of those images, to print the accuracy")
    ap.add_argument("--mean", type=float, help="input mean after /255 (default: metadata \"mean\", else 0)")
    ap.add_argument("--std", type=float, help="input std after /255 (default: metadata \"std\", else 1)")
    ap.add_argument("--onnx", metavar="OUT", help="export the model to this ONNX file (torch.onnx.export) and check it")
    ap.add_argument("--check-onnx", metavar="FILE", help="check an ONNX file written by --onnx against the model, as --onnx does, without exporting")
    args = ap.parse_args(argv)
    try:
        state, meta = read_safetensors(args.model)
        spec = meta.get("arch", "?")
        modules = args.modules or meta.get("modules")
        if not modules:
            raise CheckError(f"{args.model} has no \"modules\" metadata (written by a glcnn older than its op "
                             f"registry); give --modules \"$(glcnn modules --arch '{spec}')\"")
        try:
            modules = json.loads(modules)
        except ValueError as e:
            raise CheckError(f"the module list is not JSON: {e}")
        try:
            input_shape = tuple(int(v) for v in (args.input or meta.get("input", "1,28,28")).split(","))
        except ValueError:
            ap.error("input shape must be C,H,W")
        if len(input_shape) != 3:
            ap.error("input shape must be C,H,W")
        model = build_model(modules)
        check_keys(model.state_dict(), state)
        try:
            model.load_state_dict(state, strict=True)
        except RuntimeError as e:
            raise CheckError(f"load_state_dict(strict=True) failed: {e}")
        params = sum(p.numel() for p in model.parameters())
        print(f"loaded {args.model}: {len(state)} tensors, {params} parameters, arch {spec}, input {input_shape}")
        mean = args.mean if args.mean is not None else float(meta.get("mean", 0))
        std = args.std if args.std is not None else float(meta.get("std", 1))
        if not std > 0:
            ap.error(f"std {std} must be positive")
        images = want = None
        if args.predictions:
            print(f"input: (v/255 - {mean:g}) / {std:g}")
            images, want = check_predictions(model, args, input_shape, mean, std)
        if args.onnx:
            export_onnx(model, args.onnx, input_shape, mean, std)
            onnx_meta = {"glcnn_arch": spec, "glcnn_source": os.path.basename(args.model),
                         "input": f"float32 N,{','.join(map(str, input_shape))}: pixel/255 in [0,1]",
                         "normalisation": f"(x - {mean:g}) / {std:g}, inside the graph", "output": "logits"}
            model.eval()
            check_onnx(args.onnx, lambda x: model((x - mean) / std), input_shape, onnx_meta, images, want)
        if args.check_onnx:
            model.eval()
            check_onnx(args.check_onnx, lambda x: model((x - mean) / std), input_shape, None, images, want)
    except (CheckError, OSError, ValueError, KeyError) as e:
        print(f"check_safetensors: {e}", file=sys.stderr)
        return 1
    return 0


def run_lines(lines):
    """--runs: main on the JSON argument list of each line, each followed by
    "== exit N"; returns the largest N."""
    worst = 0
    for line in lines:
        if not line.strip():
            continue
        try:
            argv = json.loads(line)
            if not isinstance(argv, list) or not all(isinstance(a, str) for a in argv):
                raise ValueError("not a list of strings")
            code = main(argv)
        except ValueError as e:
            print(f"check_safetensors: --runs line {line.strip()!r}: {e}", file=sys.stderr)
            code = 2
        except SystemExit as e:  # argparse's usage errors
            code = e.code if isinstance(e.code, int) else 2
        sys.stderr.flush()
        print(f"== exit {code}", flush=True)
        worst = max(worst, code)
    return worst


if __name__ == "__main__":
    if sys.argv[1:2] == ["--runs"]:
        if len(sys.argv) != 3:
            sys.exit("usage: check_safetensors.py --runs FILE|-")
        if sys.argv[2] == "-":
            sys.exit(run_lines(iter(sys.stdin.readline, "")))
        with open(sys.argv[2]) as f:
            sys.exit(run_lines(f))
    sys.exit(main())
