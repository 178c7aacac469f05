#!/usr/bin/env python3
"""Writes the tiny PNG and JPEG files of images/ with Pillow, and expected.json: each image as Pillow decodes it
(`convert("RGB")` for alpha and palette images, which drops alpha as Fovea does), as 0-255 samples (0-65535 for
the 16-bit PNG, with "maximum") in [channels, height, width] order. The tests compare Fovea's libpng/libjpeg-turbo decoding with these values."""
import json, os, struct, zlib
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
gray16 = Image.new("I;16", (3, 2))
gray16.putdata([0, 1, 258, 40000, 65534, 65535])
files["gray16.png"] = (gray16, {})
expected = {}
for name, (image, options) in files.items():
    path = os.path.join(OUT, name)
    image.save(path, **options)
    decoded = Image.open(path)
    if decoded.mode.startswith("I;16"):  # 16-bit grayscale: the samples themselves, out of 65535
        width, height = decoded.size
        samples = decoded.tobytes()
        values = [samples[2 * i] | samples[2 * i + 1] << 8 for i in range(width * height)]
        expected[name] = {"shape": [1, height, width], "values": values, "maximum": 65535}
        continue
    decoded = decoded.convert("L" if decoded.mode == "L" else "RGB")
    width, height = decoded.size
    bands = len(decoded.getbands())
    samples = decoded.tobytes()
    values = [samples[i * bands + b] for b in range(bands) for i in range(width * height)]
    expected[name] = {"shape": [bands, height, width], "values": values}


def png_gray_alpha16(width, height, samples):
    """A 16-bit gray+alpha PNG (colour type 4), which Pillow cannot write: (gray, alpha) pairs, row by row."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    rows = b"".join(b"\0" + b"".join(struct.pack(">HH", *samples[y * width + x]) for x in range(width)) for y in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 16, 4, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


# Alpha is dropped, the gray samples kept as stored (libpng's linear output premultiplies; Fovea divides it back).
pairs = [(40000, 65535), (40000, 32768), (1234, 0), (65535, 1)]
with open(os.path.join(OUT, "gray-alpha16.png"), "wb") as f:
    f.write(png_gray_alpha16(2, 2, pairs))
expected["gray-alpha16.png"] = {"shape": [1, 2, 2], "values": [40000, 40000, 0, 65535], "maximum": 65535}
with open(os.path.join(HERE, "expected.json"), "w") as f:
    f.write("{\n" + ",\n".join(f"{json.dumps(k)}: {json.dumps(v)}" for k, v in expected.items()) + "\n}\n")
