#!/usr/bin/env python3
"""Writes the seed corpora of Tests/Fuzz/Corpus: small valid files of each format the readers accept."""
import gzip, json, os, struct

CORPUS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "Corpus")


def write(target, name, data):
    os.makedirs(os.path.join(CORPUS, target), exist_ok=True)
    with open(os.path.join(CORPUS, target, name), "wb") as f:
        f.write(data)


def safetensors(tensors, metadata):
    header, offset, data = {}, 0, b""
    if metadata:
        header["__metadata__"] = metadata
    for name, (dtype, shape, raw) in tensors.items():
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + len(raw)]}
        offset += len(raw)
        data += raw
    text = json.dumps(header).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    return struct.pack("<Q", len(text)) + text + data


images = struct.pack(">IIII", 0x803, 2, 3, 4) + bytes(range(24))
labels = struct.pack(">II", 0x801, 3) + bytes([1, 7, 9])
write("idx", "images-plain", images)
write("idx", "labels-plain", labels)
write("idx", "images-gz", gzip.compress(images, mtime=0))
write("idx", "labels-gz", gzip.compress(labels, mtime=0))
write("idx", "labels-two-members", gzip.compress(labels[:5], mtime=0) + gzip.compress(labels[5:], mtime=0))

write("csv", "iris-head", b"sepal_length,sepal_width,petal_length,petal_width,species\n"
      b"5.1,3.5,1.4,0.2,setosa\n7.0,3.2,4.7,1.4,versicolor\n6.3,3.3,6.0,2.5,virginica\n")
write("csv", "crlf-quoted", b'"a","b","label"\r\n1,2,"x"\r\n3,4,"y"\r\n')
write("csv", "gz", gzip.compress(b"x,y\n1,0\n2,1\n", mtime=0))

write("anymap", "p2", b"P2\n# comment\n3 2\n255\n0 128 255\n1 2 3\n")
write("anymap", "p5", b"P5 2 2 255\n" + bytes([0, 64, 128, 255]))
write("anymap", "p3", b"P3 1 2 65535\n0 1000 65535 1 2 3\n")
write("anymap", "p6-16bit", b"P6 1 1 1000\n" + bytes([0, 10, 1, 0, 3, 232]))

write("safetensors", "f32", safetensors({"0.weight": ("F32", [2, 2], struct.pack("<4f", 1, 2, 3, 4)),
                                         "0.bias": ("F32", [2], struct.pack("<2f", 5, 6))},
                                        {"format": "fovea", "model": "mlp", "classes": "2"}))
write("safetensors", "mixed", safetensors({"a": ("I64", [1], struct.pack("<q", 7)),
                                           "b": ("F16", [2], struct.pack("<2H", 0x3C00, 0x7C00)),
                                           "c": ("BF16", [1], struct.pack("<H", 0x3F80)),
                                           "d": ("U8", [3], bytes([1, 2, 3]))}, None))
write("safetensors", "empty", safetensors({}, {"k": "v"}))
