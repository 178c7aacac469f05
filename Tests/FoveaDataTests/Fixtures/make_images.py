#!/usr/bin/env python3
"""Writes the tiny PNG and JPEG files of images/ with Pillow, and expected.json: each image as Pillow decodes it
(`convert("RGB")` for alpha and palette images, which drops alpha as Fovea does), as 0-255 samples in
[channels, height, width] order. The tests compare Fovea's libpng/libjpeg-turbo decoding with these values."""
import json, os
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "images")
os.makedirs(OUT, exist_ok=True)


def pattern(mode, width, height):
    image = Image.new(mode, (width, height))
    bands = len(image.getbands())
    image.putdata([tuple((x * 47 + y * 31 + b * 83) % 256 for b in range(bands)) if bands > 1 else (x * 47 + y * 31) % 256
                   for y in range(height) for x in range(width)])
    return image


def smooth(mode, width, height):
    image = Image.new(mode, (width, height))
    bands = len(image.getbands())
    image.putdata([tuple(int(255 * (x + y + b) / (width + height + 2)) for b in range(bands)) if bands > 1
                   else int(255 * (x + y) / (width + height)) for y in range(height) for x in range(width)])
    return image


files = {
    "gray.png": (pattern("L", 5, 4), {}),
    "rgb.png": (pattern("RGB", 5, 4), {}),
    "rgba.png": (pattern("RGBA", 3, 2), {}),
    "palette.png": (pattern("RGB", 4, 3).quantize(colors=8), {}),
    "rgb.jpg": (smooth("RGB", 16, 12), {"quality": 95}),
    "gray.jpg": (smooth("L", 8, 8), {"quality": 95}),
}
expected = {}
for name, (image, options) in files.items():
    path = os.path.join(OUT, name)
    image.save(path, **options)
    decoded = Image.open(path)
    decoded = decoded.convert("L" if decoded.mode == "L" else "RGB")
    width, height = decoded.size
    bands = len(decoded.getbands())
    samples = decoded.tobytes()
    values = [samples[i * bands + b] for b in range(bands) for i in range(width * height)]
    expected[name] = {"shape": [bands, height, width], "values": values}
with open(os.path.join(HERE, "expected.json"), "w") as f:
    f.write("{\n" + ",\n".join(f"{json.dumps(k)}: {json.dumps(v)}" for k, v in expected.items()) + "\n}\n")
