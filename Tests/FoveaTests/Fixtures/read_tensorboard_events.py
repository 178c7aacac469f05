"""Prints as JSON what TensorBoard's own EventAccumulator reads from the log directory argv[1]: for each kind
(scalars, histograms, images, tensors) each tag's events, with steps (and values, bucket counts or sizes).
Installs tensorboard with pip when it is missing; exits with status 77 when it cannot (SummaryWriterTests then skips).
"""
import io
import json
import subprocess
import sys

try:
    from tensorboard.backend.event_processing import event_accumulator
except ImportError:
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--timeout", "20", "--retries", "0", "tensorboard"],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        from tensorboard.backend.event_processing import event_accumulator
    except ImportError:
        print("tensorboard is not installed and pip could not install it")
        sys.exit(77)

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
