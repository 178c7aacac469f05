"""Prints as JSON what TensorBoard's own EventAccumulator reads from the log directory argv[1]: for each kind
(scalars, histograms, images, tensors) each tag's events, with steps (and values, bucket counts or sizes).

When this Python lacks tensorboard, installs it with pip into a virtual environment under ~/.cache/fovea (Debian's
Python refuses system-wide installs) and runs there; exits with status 77 when it cannot (SummaryWriterTests then
skips the check with a message).
"""
import io
import json
import os
import subprocess
import sys

try:
    from tensorboard.backend.event_processing import event_accumulator
except ImportError:
    if os.environ.get("FOVEA_TENSORBOARD_VENV"):
        print("tensorboard could not be installed into " + os.environ["FOVEA_TENSORBOARD_VENV"])
        sys.exit(77)
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    venv = os.path.join(cache, "fovea", "tensorboard-venv")
    python = os.path.join(venv, "bin", "python3")
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    if not os.path.exists(python):
        subprocess.run([sys.executable, "-m", "venv", venv], **quiet)
    if not os.path.exists(python):
        print("tensorboard is not installed and python3 -m venv failed (Debian: apt-get install python3-venv)")
        sys.exit(77)
    subprocess.run([python, "-m", "pip", "install", "--quiet", "--timeout", "20", "--retries", "0", "tensorboard"], **quiet)
    os.execve(python, [python] + sys.argv, dict(os.environ, FOVEA_TENSORBOARD_VENV=venv))

try:
    from PIL import Image
except ImportError:
    Image = None


def image_size(event):
    """The decoded image's (width, height, mode) when Pillow is there, else the sizes the event states."""
    if Image is None:
        return [event.width, event.height, None]
    decoded = Image.open(io.BytesIO(event.encoded_image_string))
    decoded.load()
    return [decoded.width, decoded.height, decoded.mode]


everything = {kind: 0 for kind in (event_accumulator.SCALARS, event_accumulator.HISTOGRAMS, event_accumulator.IMAGES,
                                   event_accumulator.TENSORS)}
accumulator = event_accumulator.EventAccumulator(sys.argv[1], size_guidance=everything)
accumulator.Reload()
tags = accumulator.Tags()
print(json.dumps({
    "scalars": {tag: [[e.step, e.value] for e in accumulator.Scalars(tag)] for tag in tags["scalars"]},
    "histograms": {tag: [[e.step, e.histogram_value.num] for e in accumulator.Histograms(tag)] for tag in tags["histograms"]},
    "images": {tag: [[e.step] + image_size(e) for e in accumulator.Images(tag)] for tag in tags["images"]},
    "tensors": {tag: [[e.step, e.tensor_proto.string_val[0].decode()] for e in accumulator.Tensors(tag)] for tag in tags["tensors"]},
}))
