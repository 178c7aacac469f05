"""The harness's timing method (fovea-bench's Timer), shared by pytorch_bench.py and tinygrad_bench.py."""
import time


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
    cpu_start = time.process_time()
    while len(samples) < spec["maxRuns"] and (len(samples) < spec["minRuns"] or spent < spec["budget"]):
        start = time.perf_counter()
        for _ in range(calls):
            call()
        sync()
        elapsed = time.perf_counter() - start
        samples.append(elapsed / calls)
        spent += elapsed
    # Process CPU time (all threads, the OpenCL driver's or OpenMP's too) per call: on a shared machine it moves far
    # less than wall time, which includes time spent preempted.
    cpu_per_call = (time.process_time() - cpu_start) / (len(samples) * calls)
    ordered = sorted(samples)

    def quantile(q):
        position = q * (len(ordered) - 1)
        lower, upper = int(position), min(int(position) + 1, len(ordered) - 1)
        return ordered[lower] + (ordered[upper] - ordered[lower]) * (position - lower)

    return {"median": quantile(0.5), "q1": quantile(0.25), "q3": quantile(0.75),
            "min": ordered[0], "max": ordered[-1], "samples": samples, "callsPerSample": calls, "cpuPerCall": cpu_per_call}
