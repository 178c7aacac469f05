"""Writes the PyTorch LeNet-5 fixtures read by PyTorchInteropTests (needs torch and safetensors).

  lenet5_torch.safetensors  the state_dict of a seeded nn.Sequential built exactly like Models.lenet5()
  lenet5_io.safetensors     a fixed input batch and PyTorch's logits for it, with the ReLU/max-pool model
                            ("logits") and with the same weights in the classic sigmoid/avg-pool model ("logits_classic")

Run from this directory: python3 make_pytorch_fixture.py
Also: python3 make_pytorch_fixture.py --check FILE.safetensors loads a Fovea-written LeNet-5 checkpoint into the
PyTorch model with load_state_dict(strict=True) and prints its logits for the fixture input.
"""
import sys

import torch
from safetensors.torch import load_file, save_file
from torch import nn


def lenet5(classic=False, classes=10):
    """Models.lenet5(): the same layers in the same order, so state_dict keys are 0.weight, 3.weight, 7.weight, ..."""
    activation = nn.Sigmoid if classic else nn.ReLU
    pool = nn.AvgPool2d if classic else nn.MaxPool2d
    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), activation(), pool(2),  # 0 1 2
        nn.Conv2d(6, 16, 5), activation(), pool(2),  # 3 4 5
        nn.Flatten(),  # 6
        nn.Linear(16 * 5 * 5, 120), activation(),  # 7 8
        nn.Linear(120, 84), activation(),  # 9 10
        nn.Linear(84, classes),  # 11
    )


def main():
    torch.manual_seed(2024)
    model = lenet5().eval()
    inputs = torch.rand(3, 1, 28, 28, generator=torch.Generator().manual_seed(7))
    with torch.no_grad():
        logits = model(inputs)
        classic = lenet5(classic=True).eval()
        classic.load_state_dict(model.state_dict(), strict=True)
        logits_classic = classic(inputs)
    state = {name: tensor.contiguous() for name, tensor in model.state_dict().items()}
    save_file(state, "lenet5_torch.safetensors", metadata={"source": "make_pytorch_fixture.py", "torch": torch.__version__})
    save_file({"input": inputs, "logits": logits, "logits_classic": logits_classic}, "lenet5_io.safetensors")
    print("keys:", list(state))


def check(path):
    model = lenet5().eval()
    model.load_state_dict(load_file(path), strict=True)
    io = load_file("lenet5_io.safetensors")
    with torch.no_grad():
        print(model(io["input"]))


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--check":
        check(sys.argv[2])
    else:
        main()
