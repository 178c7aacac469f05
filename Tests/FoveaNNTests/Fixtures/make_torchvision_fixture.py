"""Writes the torchvision fixtures read by TorchvisionModelTests (needs torch, torchvision and safetensors).

  torchvision_manifest.json       the state_dict names and shapes of torchvision.models.resnet18() and vgg11()
  resnet18_narrow.safetensors     a reduced-width ResNet-18 (4, 8, 16, 32 channels, 5 classes) built from torchvision's
                                  own ResNet, BasicBlock and _make_layer, with batch-norm statistics from a few training
                                  passes, its state_dict, a fixed input ("input.x") and its eval-mode logits ("output.logits")
  vgg11_narrow.safetensors        the same for VGG-11 (torchvision's VGG and make_layers with configuration A scaled
                                  from 64 to 4 channels, and 16-unit dense layers)

Run from this directory: python3 make_torchvision_fixture.py
torchvision's compiled operators (nms, ...) are not needed; when the installed torchvision does not match torch,
they are skipped so that the pure-Python models import.
"""
import json
import sys
import types

import torch
from safetensors.torch import save_file
from torch import nn

try:
    import torchvision  # noqa: F401
except RuntimeError:
    sys.modules["torchvision._meta_registrations"] = types.ModuleType("torchvision._meta_registrations")
    for name in [n for n in sys.modules if n.startswith("torchvision")]:
        if name != "torchvision._meta_registrations":
            del sys.modules[name]
from torchvision.models import resnet18, vgg11
from torchvision.models.resnet import BasicBlock, ResNet
from torchvision.models.vgg import VGG, make_layers


class NarrowResNet18(ResNet):
    """torchvision's ResNet.__init__ with the stage widths 64, 128, 256, 512 divided by 16."""

    def __init__(self, num_classes):
        nn.Module.__init__(self)
        self._norm_layer = nn.BatchNorm2d
        self.inplanes, self.dilation, self.groups, self.base_width = 4, 1, 1, 64
        self.conv1 = nn.Conv2d(3, 4, kernel_size=7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(4)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        self.layer1 = self._make_layer(BasicBlock, 4, 2)
        self.layer2 = self._make_layer(BasicBlock, 8, 2, stride=2)
        self.layer3 = self._make_layer(BasicBlock, 16, 2, stride=2)
        self.layer4 = self._make_layer(BasicBlock, 32, 2, stride=2)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(32, num_classes)


def narrow_vgg11(num_classes):
    model = VGG(make_layers([4, "M", 8, "M", 16, 16, "M", 32, 32, "M", 32, 32, "M"]), num_classes=num_classes)
    model.classifier = nn.Sequential(nn.Linear(32 * 7 * 7, 16), nn.ReLU(True), nn.Dropout(), nn.Linear(16, 16), nn.ReLU(True),
                                     nn.Dropout(), nn.Linear(16, num_classes))
    return model


def fixture(model, size, path):
    with torch.no_grad():
        for parameter in model.parameters():  # weights of a larger spread than the default init, so logits differ
            parameter.add_(0.05 * torch.randn_like(parameter))
        model.train()
        for _ in range(3):  # running statistics away from 0 and 1
            model(torch.randn(4, 3, size, size) * 2 + 0.5)
        model.eval()
        x = torch.rand(2, 3, size, size, generator=torch.Generator().manual_seed(5))
        logits = model(x)
    tensors = {name: t.contiguous() for name, t in model.state_dict().items()}
    tensors["input.x"], tensors["output.logits"] = x, logits
    save_file(tensors, path)


def main():
    manifest = {name: {key: list(t.shape) for key, t in model.state_dict().items()}
                for name, model in [("resnet18", resnet18()), ("vgg11", vgg11())]}
    with open("torchvision_manifest.json", "w") as f:
        f.write("{\n" + ",\n".join(f"{json.dumps(k)}: {json.dumps(v)}" for k, v in manifest.items()) + "\n}\n")
    torch.manual_seed(2026)
    fixture(NarrowResNet18(5), 64, "resnet18_narrow.safetensors")
    fixture(narrow_vgg11(5), 32, "vgg11_narrow.safetensors")


main()
