#!/usr/bin/env python3
"""Times fovea-bench's LeNet-5 training step in tinygrad on its OpenCL backend (DEV=CL), for the ratio fovea-bench prints.

Same spec file, timing method (bench_timer.py) and JSON output as pytorch_bench.py, so the harness runs it with

  fovea-bench --suite train --model lenet5 --batch 64 --backend opencl:0 --tinygrad

(which runs `--tinygrad-python`, default ~/.cache/fovea/tinygrad-venv/bin/python: `python3 -m venv` there and
`pip install tinygrad`). Alone: `DEV=CL python Benchmarks/tinygrad_bench.py --batch 64`.

A step is zero_grad, forward, sparse_categorical_crossentropy (mean), backward and Adam (lr 1e-3) on a random batch
and random labels created once on the device, inside a TinyJit (tinygrad's way to train: without it every step
re-schedules the graph from Python), the first calls of which are the warm-up. Only LeNet-5 is implemented (the
model of issue 17's comparison; it has no dropout or batch norm; tinygrad's optimizers want Context(TRAINING=1)); the harness sends only its LeNet-5 steps, and
anything else in a spec is listed as a failure.
"""
import argparse
import importlib.metadata
import json
import os
import sys

os.environ.setdefault("DEV", "CL")

from bench_timer import measure

try:
    from tinygrad import Context, Device, Tensor, TinyJit, nn
    from tinygrad.nn.optim import Adam, SGD
except ImportError:
    print(json.dumps({"error": "tinygrad is not installed (pip install tinygrad)"}))
    sys.exit(2)


class LeNet5:
    """Models.lenet5: conv 5x5 (6, pad 2) - ReLU - maxpool 2 - conv 5x5 (16) - ReLU - maxpool 2 - 120 - 84 - 10."""

    def __init__(self, channels=1, classes=10):
        self.conv1, self.conv2 = nn.Conv2d(channels, 6, 5, padding=2), nn.Conv2d(6, 16, 5)
        self.fc1, self.fc2, self.fc3 = nn.Linear(16 * 5 * 5, 120), nn.Linear(120, 84), nn.Linear(84, classes)

    def __call__(self, x):
        x = self.conv1(x).relu().max_pool2d(2)
        x = self.conv2(x).relu().max_pool2d(2).flatten(1)
        return self.fc3(self.fc2(self.fc1(x).relu()).relu())


INPUT_SHAPES = {"lenet5": (1, 28, 28)}


def make_training_step(item):
    if item.get("kind") != "train" or item.get("model") not in INPUT_SHAPES:
        raise ValueError("tinygrad_bench.py times only LeNet-5 training steps")
    Tensor.manual_seed(1)
    model = LeNet5()
    parameters = nn.state.get_parameters(model)
    if item["optimizer"] == "adam":
        optimizer = Adam(parameters, lr=1e-3)
    elif item["optimizer"] == "sgd":
        optimizer = SGD(parameters, lr=0.01, momentum=0.9)
    else:
        raise ValueError(f"unknown optimizer {item['optimizer']}")
    batch = item["batch"]
    x = (Tensor.rand(batch, *INPUT_SHAPES[item["model"]]) * 2 - 1).realize()
    y = Tensor.randint(batch, low=0, high=10).realize()

    @TinyJit
    def step():
        with Context(TRAINING=1):
            optimizer.zero_grad()
            loss = model(x).sparse_categorical_crossentropy(y)
            loss.backward()
            optimizer.step()
            return loss.realize()
    return step


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--spec", help="JSON list of benchmarks written by fovea-bench --tinygrad")
    parser.add_argument("--batch", default="64", help="without --spec: batch sizes, e.g. 32,64")
    parser.add_argument("--threads", type=int, help="ignored (the OpenCL driver chooses its threads)")
    args = parser.parse_args()
    if args.spec:
        spec = json.load(open(args.spec))
    else:
        spec = {"warmup": 3, "minRuns": 5, "maxRuns": 50, "budget": 2.0,
                "benchmarks": [{"name": f"train lenet5 b{b} adam", "kind": "train", "model": "lenet5", "batch": int(b),
                                "optimizer": "adam"} for b in args.batch.split(",")]}
    device = Device[Device.DEFAULT]
    label = f"tinygrad-{Device.DEFAULT.lower()}"
    # The JIT captures its kernels on the second call: warm up with at least three.
    spec = {**spec, "warmup": max(3, spec["warmup"])}
    results, failures = [], []
    for item in spec["benchmarks"]:
        if item.get("kind") != "train":
            continue
        try:
            measurement = measure(make_training_step(item), device.synchronize, spec)
        except Exception as error:  # report and go on with the others
            failures.append(f"{item['name']} on {label}: {error}")
            continue
        results.append({"name": item["name"], "backend": label, **measurement})
        print(f"{item['name']:<38} {label:<11} {measurement['median'] * 1e3:10.3f} ms", file=sys.stderr)
    print(json.dumps({"torch": f"tinygrad {importlib.metadata.version('tinygrad')}",
                      "framework": "tinygrad", "threads": 0, "devices": [f"{label} ({getattr(device, 'device_name', Device.DEFAULT)})"],
                      "results": results, "failures": failures}))


if __name__ == "__main__":
    main()
