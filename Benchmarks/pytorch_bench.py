#!/usr/bin/env python3
"""Times the GEMMs, convolutions, activations and softmax of fovea-bench in PyTorch (FP32, TF32 off).

Same method as the harness's Timer: warm-up calls, one call to calibrate how many calls make a sample of at least
2 ms, then samples until the time budget is spent (at least --runs samples); each sample ends with a device sync.
Prints JSON: {"torch": version, "threads": n, "devices": [...], "results": [{name, backend, median, min, max, q1, q3, ...}]}.

  python3 Benchmarks/pytorch_bench.py --quick            # its own list of benchmarks
  python3 Benchmarks/pytorch_bench.py --spec spec.json   # the list fovea-bench --pytorch writes
"""
import argparse
import json
import platform
import sys
import time

try:
    import torch
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
)


def conv_label(net, layer, cin, cout, size, stride):
    return f"{net}{layer} {cin}->{cout} {size}x{size}" + ("" if stride == 1 else f" s{stride}")


def default_spec(quick):
    sizes = [256, 512, 1024] if quick else [256, 512, 1024, 2048, 4096]
    batches = [32] if quick else [32, 64, 128]
    items = [{"name": f"gemm {n}", "kind": "gemm", "n": n} for n in sizes]
    for batch in batches:
        for net, layer, cin, cout, size, kernel, stride, padding in CONV_SHAPES:
            for p in ("fwd", "bwd-data", "bwd-weight"):
                items.append({"name": f"conv {conv_label(net, layer, cin, cout, size, stride)} b{batch} {p}",
                              "kind": "conv", "pass": p, "batch": batch, "inChannels": cin, "outChannels": cout,
                              "size": size, "kernel": kernel, "stride": stride, "padding": padding})
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
    raise ValueError(f"unknown benchmark kind {kind}")


def measure(call, sync, spec):
    """Warm-up, calibration, then samples: the method of the harness's Timer."""
    for _ in range(spec["warmup"]):
        call()
    sync()
    start = time.perf_counter()
    call()
    sync()
    single = time.perf_counter() - start
    calls = 1 if single >= 0.002 else min(10_000, int(0.002 / max(single, 1e-9)) + 1)
    samples, spent = [], 0.0
    while len(samples) < spec["maxRuns"] and (len(samples) < spec["minRuns"] or spent < spec["budget"]):
        start = time.perf_counter()
        for _ in range(calls):
            call()
        sync()
        elapsed = time.perf_counter() - start
        samples.append(elapsed / calls)
        spent += elapsed
    ordered = sorted(samples)

    def quantile(q):
        position = q * (len(ordered) - 1)
        lower, upper = int(position), min(int(position) + 1, len(ordered) - 1)
        return ordered[lower] + (ordered[upper] - ordered[lower]) * (position - lower)

    return {"median": quantile(0.5), "q1": quantile(0.25), "q3": quantile(0.75),
            "min": ordered[0], "max": ordered[-1], "samples": samples, "callsPerSample": calls}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--spec", help="JSON list of benchmarks written by fovea-bench --pytorch")
    parser.add_argument("--quick", action="store_true", help="GEMM up to 1024 and batch 32 (without --spec)")
    parser.add_argument("--no-cuda", action="store_true", help="skip CUDA even when available")
    parser.add_argument("--threads", type=int, help="CPU threads (default: PyTorch's choice)")
    args = parser.parse_args()

    spec = json.load(open(args.spec)) if args.spec else default_spec(args.quick)
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
        "torch": torch.__version__, "threads": torch.get_num_threads(), "machine": platform.processor() or platform.machine(),
        "devices": [label if label != "torch-cuda" else f"{label} ({torch.cuda.get_device_name(0)})" for label, _, _ in devices],
        "results": results, "failures": failures}))


if __name__ == "__main__":
    main()
