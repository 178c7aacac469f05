#!/usr/bin/env python3
"""Times the GEMMs, convolutions, activations, softmax, recurrent layers and training steps of fovea-bench in PyTorch (FP32, TF32 off).

Same method as the harness's Timer: warm-up calls, one call to calibrate how many calls make a sample of at least
2 ms, then samples until the time budget is spent (at least --runs samples); each sample ends with a device sync.
Prints JSON: {"torch": version, "threads": n, "devices": [...], "results": [{name, backend, median, min, max, q1, q3, ...}]}.

  python3 Benchmarks/pytorch_bench.py --quick            # its own list of benchmarks
  python3 Benchmarks/pytorch_bench.py --spec spec.json   # the list fovea-bench --pytorch writes
  python3 Benchmarks/pytorch_bench.py --quick --kind train --batch 64   # training steps only

On a loaded machine (more runnable threads than cores) PyTorch's OpenMP threads spin at every barrier and a step can
take 10-50x longer; OMP_WAIT_POLICY=PASSIVE (set before starting, it is read when torch loads) avoids that. The value
in effect is part of the JSON output.

A training step ("train lenet5 b64 adam") is zero_grad, forward, F.cross_entropy, backward, optimizer.step on a random
batch and random labels created once on the device, with the model in training mode (Dropout and BatchNorm active).
The models are Fovea's zoo (Sources/FoveaNN/Models) layer for layer.
"""
import argparse
import json
import os
import platform
import sys

from bench_timer import measure

try:
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
except ImportError:
    print(json.dumps({"error": "PyTorch is not installed (pip install torch)"}))
    sys.exit(2)

# The layer tables of Benchmarks/Harness/ConvShapes.swift: (in, out, size, kernel, stride, padding).
CONV_SHAPES = (
    [("lenet", 1, 1, 6, 28, 5, 1, 2), ("lenet", 2, 6, 16, 14, 5, 1, 0)]
    + [("vgg", i + 1, c, o, s, 3, 1, 1) for i, (c, o, s) in
       enumerate([(3, 32, 32), (32, 32, 32), (32, 64, 16), (64, 64, 16), (64, 128, 8), (128, 128, 8)])]
    + [("resnet", i + 1, c, o, s, 3, st, 1) for i, (c, o, s, st) in
       enumerate([(16, 16, 32, 1), (16, 32, 32, 2), (32, 32, 16, 1), (32, 64, 16, 2), (64, 64, 8, 1)])]
    + [("resnet", 6, 3, 16, 32, 3, 1, 1), ("resnet", 7, 16, 32, 32, 1, 2, 0), ("resnet", 8, 32, 64, 16, 1, 2, 0)]
)


# Input shape of each zoo model's data set: Fashion-MNIST for LeNet-5, CIFAR-10 for the others.
TRAIN_MODELS = {"lenet5": (1, 28, 28), "cnn-cifar": (3, 32, 32), "resnet-small": (3, 32, 32)}


def lenet5(channels=1, classes=10):
    """Models.lenet5: conv 5x5 (6, pad 2) - ReLU - maxpool 2 - conv 5x5 (16) - ReLU - maxpool 2 - 120 - 84 - classes."""
    return nn.Sequential(
        nn.Conv2d(channels, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
        nn.Linear(16 * 5 * 5, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, classes))


def cnn_cifar(channels=3, classes=10, widths=(32, 64, 128), dropout=0.25):
    """Models.cnnCifar: three blocks of 2 x (conv 3x3 without bias, BatchNorm, ReLU), maxpool 2, dropout;
    global average pooling, Dense 128, ReLU, dropout, Dense."""
    layers = []
    for width in widths:
        for _ in range(2):
            layers += [nn.Conv2d(channels, width, 3, padding=1, bias=False), nn.BatchNorm2d(width), nn.ReLU()]
            channels = width
        layers += [nn.MaxPool2d(2), nn.Dropout(dropout)]
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(channels, 128), nn.ReLU(),
               nn.Dropout(min(2 * dropout, 0.5)), nn.Linear(128, classes)]
    return nn.Sequential(*layers)


class ResidualBlock(nn.Module):
    """FoveaNN.ResidualBlock: relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x)), shortcut = 1x1 conv + BN when the
    stride or width changes."""

    def __init__(self, cin, cout, stride=1):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.shortcut = (nn.Sequential(nn.Conv2d(cin, cout, 1, stride=stride, bias=False), nn.BatchNorm2d(cout))
                         if stride != 1 or cin != cout else None)

    def forward(self, x):
        residual = self.bn2(self.conv2(F.relu(self.bn1(self.conv1(x)))))
        return F.relu(residual + (self.shortcut(x) if self.shortcut is not None else x))


def resnet_small(channels=3, classes=10, blocks_per_stage=2):
    """Models.resnetSmall: 3x3 stem (16), stages of 16, 32, 64 channels (stride 2 between stages), global average
    pooling, Dense."""
    layers = [nn.Conv2d(channels, 16, 3, padding=1, bias=False), nn.BatchNorm2d(16), nn.ReLU()]
    cin = 16
    for stage, width in enumerate((16, 32, 64)):
        for block in range(blocks_per_stage):
            layers.append(ResidualBlock(cin, width, stride=2 if stage > 0 and block == 0 else 1))
            cin = width
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(cin, classes)]
    return nn.Sequential(*layers)


def make_model(name, shape):
    return {"lenet5": lenet5, "cnn-cifar": cnn_cifar, "resnet-small": resnet_small}[name](channels=shape[0])


def conv_label(net, layer, cin, cout, size, stride, kernel):
    return f"{net}{layer} {cin}->{cout} {size}x{size}" + ("" if stride == 1 else f" s{stride}") + (
        " 1x1" if kernel == 1 else "")


def default_spec(quick, batches=None):
    sizes = [256, 512, 1024] if quick else [256, 512, 1024, 2048, 4096]
    batches = batches or ([32] if quick else [32, 64, 128])
    items = [{"name": f"gemm {n}", "kind": "gemm", "n": n} for n in sizes]
    for batch in batches:
        for net, layer, cin, cout, size, kernel, stride, padding in CONV_SHAPES:
            for p in ("fwd", "bwd-data", "bwd-weight"):
                items.append({"name": f"conv {conv_label(net, layer, cin, cout, size, stride, kernel)} b{batch} {p}",
                              "kind": "conv", "pass": p, "batch": batch, "inChannels": cin, "outChannels": cout,
                              "size": size, "kernel": kernel, "stride": stride, "padding": padding})
    for model in TRAIN_MODELS:
        for batch in batches:
            items.append({"name": f"train {model} b{batch} adam", "kind": "train", "model": model, "batch": batch,
                          "optimizer": "adam"})
    # Benchmarks/Harness/RecurrentSuite.swift: batch 64, input 64.
    for cell in ("lstm", "gru"):
        for steps in (50, 100):
            for hidden in (128, 256):
                items.append({"name": f"{cell} b64 t{steps} h{hidden} fwd+bwd", "kind": "rnn", "cell": cell, "batch": 64,
                              "steps": steps, "hidden": hidden, "inputSize": 64})
    items.append({"name": "lstm-text b64 t48 h128 train adam", "kind": "text-train", "batch": 64, "steps": 48,
                  "hidden": 128, "vocabulary": 10000, "classes": 2, "optimizer": "adam"})
    return {"warmup": 2, "minRuns": 5, "maxRuns": 50, "budget": 1.0 if quick else 2.0, "benchmarks": items}


def make_call(item, device):
    """Allocates the inputs of one benchmark and returns the call to time."""
    g = torch.Generator(device="cpu").manual_seed(1)
    rand = lambda *shape: (torch.rand(*shape, generator=g) * 2 - 1).to(device)
    kind = item["kind"]
    if kind == "gemm":
        n = item["n"]
        a, b = rand(n, n), rand(n, n)
        c = torch.empty(n, n, device=device)
        return lambda: torch.mm(a, b, out=c)
    if kind == "conv":
        n, cin, cout, size, k = item["batch"], item["inChannels"], item["outChannels"], item["size"], item["kernel"]
        stride, padding = [item["stride"]] * 2, [item["padding"]] * 2
        x, w, bias = rand(n, cin, size, size), rand(cout, cin, k, k), rand(cout)
        out = (size + 2 * item["padding"] - k) // item["stride"] + 1
        gy = rand(n, cout, out, out)
        if item["pass"] == "fwd":
            return lambda: F.conv2d(x, w, bias, stride, padding)
        mask = [True, False, False] if item["pass"] == "bwd-data" else [False, True, False]
        return lambda: torch.ops.aten.convolution_backward(gy, x, w, None, stride, padding, [1, 1], False, [0, 0], 1, mask)
    if kind == "activation":
        x, gy = rand(item["count"]), rand(item["count"])
        op = item["op"]
        forward = {"relu": torch.relu, "sigmoid": torch.sigmoid, "gelu": F.gelu}[op]
        if item["pass"] == "fwd":
            return lambda: forward(x)
        y = forward(x)
        backward = {"relu": lambda: torch.ops.aten.threshold_backward(gy, x, 0.0),
                    "sigmoid": lambda: torch.ops.aten.sigmoid_backward(gy, y),
                    "gelu": lambda: torch.ops.aten.gelu_backward(gy, x)}[op]
        return backward
    if kind == "softmax":
        x, gy = rand(item["rows"], item["columns"]), rand(item["rows"], item["columns"])
        if item["pass"] == "fwd":
            return lambda: torch.softmax(x, dim=1)
        y = torch.softmax(x, dim=1)
        return lambda: torch.ops.aten._softmax_backward_data(gy, y, 1, torch.float32)
    if kind == "train":
        return make_training_step(item, device, g)
    if kind == "rnn":
        return make_recurrent_step(item, device, rand)
    if kind == "text-train":
        return make_text_training_step(item, device, g)
    raise ValueError(f"unknown benchmark kind {kind}")


def make_training_step(item, device, generator):
    """One training step of a zoo model on a fixed random batch; the loss is never read back."""
    shape = TRAIN_MODELS[item["model"]]
    torch.manual_seed(1)
    model = make_model(item["model"], shape).to(device).train()
    if item["optimizer"] == "adam":
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    elif item["optimizer"] == "sgd":
        optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    else:
        raise ValueError(f"unknown optimizer {item['optimizer']}")
    batch = item["batch"]
    x = (torch.rand(batch, *shape, generator=generator) * 2 - 1).to(device)
    y = torch.randint(0, 10, (batch,), generator=generator).to(device)

    def step():
        with torch.enable_grad():
            optimizer.zero_grad(set_to_none=True)
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            optimizer.step()
    return step


def make_recurrent_step(item, device, rand):
    """An LSTM or GRU layer on [steps, batch, input] from zero states, backward from a fixed gradient of the output."""
    torch.manual_seed(1)
    cls = {"lstm": nn.LSTM, "gru": nn.GRU}[item["cell"]]
    layer = cls(item["inputSize"], item["hidden"]).to(device)
    x = rand(item["steps"], item["batch"], item["inputSize"]).requires_grad_()
    gradient = rand(item["steps"], item["batch"], item["hidden"])

    def step():
        with torch.enable_grad():
            layer.zero_grad(set_to_none=True)
            x.grad = None
            layer(x)[0].backward(gradient)
    return step


class TextClassifier(nn.Module):
    """FoveaNN.TextClassifier: Embedding (64 values, id 0 pads), a batch-first LSTM, a linear head on the last step."""

    def __init__(self, vocabulary, hidden, classes):
        super().__init__()
        self.embedding = nn.Embedding(vocabulary, 64, padding_idx=0)
        self.lstm = nn.LSTM(64, hidden, batch_first=True)
        self.head = nn.Linear(hidden, classes)

    def forward(self, ids):
        return self.head(self.lstm(self.embedding(ids))[0][:, -1])


def make_text_training_step(item, device, generator):
    """One Adam step of the text classifier on random ids 1 ..< vocabulary (no padding) and random labels."""
    torch.manual_seed(1)
    model = TextClassifier(item["vocabulary"], item["hidden"], item["classes"]).to(device).train()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    ids = torch.randint(1, item["vocabulary"], (item["batch"], item["steps"]), generator=generator).to(device)
    labels = torch.randint(0, item["classes"], (item["batch"],), generator=generator).to(device)

    def step():
        with torch.enable_grad():
            optimizer.zero_grad(set_to_none=True)
            F.cross_entropy(model(ids), labels).backward()
            optimizer.step()
    return step


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--spec", help="JSON list of benchmarks written by fovea-bench --pytorch")
    parser.add_argument("--quick", action="store_true", help="GEMM up to 1024 and batch 32 (without --spec)")
    parser.add_argument("--no-cuda", action="store_true", help="skip CUDA even when available")
    parser.add_argument("--threads", type=int, help="CPU threads (default: PyTorch's choice)")
    parser.add_argument("--kind", help="without --spec: only these kinds, e.g. train or gemm,conv")
    parser.add_argument("--batch", help="without --spec: conv and train batch sizes, e.g. 32,64")
    args = parser.parse_args()

    if args.spec:
        spec = json.load(open(args.spec))
    else:
        spec = default_spec(args.quick, [int(b) for b in args.batch.split(",")] if args.batch else None)
        if args.kind:
            spec["benchmarks"] = [item for item in spec["benchmarks"] if item["kind"] in args.kind.split(",")]
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    torch.set_grad_enabled(False)
    if args.threads:
        torch.set_num_threads(args.threads)

    devices = [("torch-cpu", torch.device("cpu"), lambda: None)]
    if torch.cuda.is_available() and not args.no_cuda:
        torch.backends.cudnn.benchmark = True
        devices.append(("torch-cuda", torch.device("cuda"), torch.cuda.synchronize))

    results, failures = [], []
    for item in spec["benchmarks"]:
        for label, device, sync in devices:
            try:
                measurement = measure(make_call(item, device), sync, spec)
            except Exception as error:  # report and go on with the others
                failures.append(f"{item['name']} on {label}: {error}")
                continue
            results.append({"name": item["name"], "backend": label, **measurement})
            print(f"{item['name']:<38} {label:<11} {measurement['median'] * 1e3:10.3f} ms", file=sys.stderr)

    print(json.dumps({
        "torch": torch.__version__, "threads": torch.get_num_threads(),
        "ompWaitPolicy": os.environ.get("OMP_WAIT_POLICY", "default"), "machine": platform.processor() or platform.machine(),
        "devices": [label if label != "torch-cuda" else f"{label} ({torch.cuda.get_device_name(0)})" for label, _, _ in devices],
        "results": results, "failures": failures}))


if __name__ == "__main__":
    main()
