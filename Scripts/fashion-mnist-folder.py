#!/usr/bin/env python3
"""Writes Fashion-MNIST test images (Debian's dataset-fashion-mnist, which Scripts/install-deps.sh installs) as PNG
files in class folders, OUT/train/CLASS/NNNN.png and OUT/test/CLASS/NNNN.png, for trying `fovea train --data folder:OUT`
on a real image folder. Standard library only. These are the 28x28 grayscale Fashion-MNIST pictures, not photos.

Usage: Scripts/fashion-mnist-folder.py OUT [--per-class N] [--classes sneaker,sandal,ankle_boot]
The first 80% of each class's N images go to train/, the rest to test/."""
import argparse, gzip, os, struct, zlib

NAMES = ["t-shirt_top", "trouser", "pullover", "dress", "coat", "sandal", "shirt", "sneaker", "bag", "ankle_boot"]
SOURCE = "/usr/share/datasets/fashion-mnist"


def png(width, height, pixels):
    """An 8-bit grayscale PNG of `pixels` (rows of bytes)."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    rows = b"".join(b"\0" + pixels[y * width:(y + 1) * width] for y in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows, 9)) + chunk(b"IEND", b""))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out")
    parser.add_argument("--per-class", type=int, default=100)
    parser.add_argument("--classes", default=",".join(NAMES))
    options = parser.parse_args()
    wanted = options.classes.split(",")
    unknown = [name for name in wanted if name not in NAMES]
    if unknown or options.per_class < 5 or options.per_class > 1000:
        parser.error(f"--classes takes {','.join(NAMES)}; --per-class 5 to 1000")
    with gzip.open(os.path.join(SOURCE, "t10k-images-idx3-ubyte.gz")) as f:
        magic, count, height, width = struct.unpack(">IIII", f.read(16))
        images = f.read(count * height * width)
    with gzip.open(os.path.join(SOURCE, "t10k-labels-idx1-ubyte.gz")) as f:
        f.read(8)
        labels = f.read(count)
    written = {name: 0 for name in wanted}
    for index, label in enumerate(labels):
        name = NAMES[label]
        if name not in written or written[name] >= options.per_class:
            continue
        part = "train" if written[name] < options.per_class * 4 // 5 else "test"
        folder = os.path.join(options.out, part, name)
        os.makedirs(folder, exist_ok=True)
        pixels = images[index * height * width:(index + 1) * height * width]
        with open(os.path.join(folder, f"{index:04d}.png"), "wb") as f:
            f.write(png(width, height, pixels))
        written[name] += 1
    print(f"wrote {sum(written.values())} images of {len(wanted)} classes to {options.out}/train and {options.out}/test")


main()
