#!/usr/bin/env python3
"""Reference guided backprop from one channel to the pixels, for the channel dossier's tests.

Runs Captum's GuidedBackprop on Tests/Models/vgg11_bn_torch (the model and input make_cam_references.py uses) with
the network cut after a hidden layer and its output reduced to one channel's summed activation, the dossier's
question "what in the photo made this channel fire?". Writes channel_attributions.npy ((cases, H, W, C) float32, the
network's input space, channel order RGB) and channel_attributions.json (the cases) beside this script.
Not run in CI; its output is committed.

  pip install torch torchvision safetensors captum==0.9.0 numpy
  python3 Tests/Explanations/make_channel_references.py
"""
import json
import os
import sys

import numpy as np
import torch
from torch import nn
from captum.attr import GuidedBackprop

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_cam_references import MODEL, TORCH_MEAN, TORCH_STD, VGG  # noqa: E402

from safetensors.torch import load_file  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
# (module index in model.features, position among ConvScope's hidden layers, channel)
CASES = [(13, 5, 9), (27, 11, 41), (28, 12, 7)]


class ChannelSum(nn.Module):
    """The network up to module `index` of `features`, answering one channel's activation summed over the map."""

    def __init__(self, model, index, channel):
        super().__init__()
        self.features = model.features[: index + 1]
        self.channel = channel

    def forward(self, x):
        return self.features(x)[:, self.channel].sum(dim=(1, 2))[:, None]


def main():
    torch.use_deterministic_algorithms(True)
    model = VGG().eval()
    model.load_state_dict(load_file(os.path.join(MODEL, "model.safetensors")))
    px = np.load(os.path.join(MODEL, "input.npy")).astype(np.float32)
    x = torch.from_numpy((((px / 255.0) - TORCH_MEAN) / TORCH_STD).transpose(2, 0, 1)[None].astype(np.float32).copy())
    maps, cases = [], []
    for index, hidden, channel in CASES:
        net = ChannelSum(model, index, channel).eval()
        with torch.no_grad():
            total = float(net(x)[0, 0])
        a = GuidedBackprop(net).attribute(x.clone().requires_grad_(), target=0)
        maps.append(a.detach()[0].numpy().transpose(1, 2, 0))
        cases.append({"module": f"features.{index}", "hidden_layer": hidden, "channel": channel, "sum": total})
        print(f"features.{index} channel {channel}: summed activation {total:.5g}, max |a| {np.abs(maps[-1]).max():.4g}")
    out = {"generator": "Tests/Explanations/make_channel_references.py", "captum": "0.9.0", "torch": torch.__version__,
           "method": "GuidedBackprop of the channel's activation summed over its map", "shape": [224, 224, 3],
           "cases": cases, "maps": "channel_attributions.npy (cases, H, W, C) float32, in the order of 'cases'"}
    np.save(os.path.join(HERE, "channel_attributions.npy"), np.stack(maps).astype("<f4"))
    with open(os.path.join(HERE, "channel_attributions.json"), "w") as f:
        json.dump(out, f, indent=1)


if __name__ == "__main__":
    sys.exit(main())
