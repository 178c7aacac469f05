"""Writes python_written.safetensors, read by SafetensorsTests (needs `pip install safetensors numpy`).

Run from this directory: python3 make_fixture.py
"""
import numpy as np
from safetensors.numpy import save_file

tensors = {
    "fc.weight": np.array([[1.5, -2.0, 0.25], [3.0, 4.5, -0.125]], dtype=np.float32),
    "fc.bias": np.array([0.5, -1.0], dtype=np.float32),
    "step": np.array(7, dtype=np.int64),
    "counts": np.array([-3, 100000], dtype=np.int32),
    "half": np.array([1.0, -0.5, 65504.0], dtype=np.float16),
}
save_file(tensors, "python_written.safetensors", metadata={"format": "np", "epoch": "3"})
