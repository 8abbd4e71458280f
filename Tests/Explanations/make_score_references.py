#!/usr/bin/env python3
"""Reference deletion and insertion curves (RISE's causal metrics) for ConvScope's scoreboard tests.

On Tests/Models/vgg11_bn_torch and its input, for the top class, with the Grad-CAM map of cams.json (features.27,
14x14) upsampled x16 by nearest neighbour as the ranking: pixels ordered by the map, larger first, ties in position
order (a stable sort); 20 equal groups; deletion moves from the image to the black image, insertion from the blurred
image (an 11x11 normalised Gaussian, sigma 5, zero padding, over the preprocessed values) to the image; the class's
softmax probability after each step; the trapezoidal area. Writes scores.json beside this script. Not run in CI.

  pip install torch torchvision safetensors numpy
  python3 Tests/Explanations/make_score_references.py
"""
import json
import os
import sys

import numpy as np
import torch
from safetensors.torch import load_file

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_cam_references import MODEL, TORCH_MEAN, TORCH_STD, VGG  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
STEPS = 20


def blurred(x):   # x: (H, W, C) float32 -> separable 11-tap Gaussian, zero padding, accumulated in float64
    t = np.arange(-5, 6)
    k = np.exp(-(t * t) / (2 * 25.0))
    k /= k.sum()
    h, w, _ = x.shape
    pad = np.pad(x.astype(np.float64), ((0, 0), (5, 5), (0, 0)))
    rows = sum(k[i] * pad[:, i:i + w, :] for i in range(11))
    pad = np.pad(rows, ((5, 5), (0, 0), (0, 0)))
    return sum(k[i] * pad[i:i + h, :, :] for i in range(11)).astype(np.float32)


def main():
    model = VGG().eval()
    model.load_state_dict(load_file(os.path.join(MODEL, "model.safetensors")))
    px = np.load(os.path.join(MODEL, "input.npy")).astype(np.float32)
    norm = lambda p: (((p / 255.0) - TORCH_MEAN) / TORCH_STD).astype(np.float32)   # (H, W, C)
    image, black = norm(px), norm(np.zeros_like(px))
    cams = json.load(open(os.path.join(HERE, "cams.json")))
    case = next(c for c in cams["cases"] if c["layer_module"] == "features.27" and c["class"] == 5)
    cam = np.array(case["maps"]["gradcam"], dtype=np.float32).reshape(14, 14)
    rank = np.repeat(np.repeat(cam, 16, axis=0), 16, axis=1).reshape(-1)
    order = np.argsort(-rank, kind="stable")
    hw = 224 * 224
    per_step = (hw + STEPS - 1) // STEPS
    out = {"generator": "Tests/Explanations/make_score_references.py", "class": 5, "steps": STEPS,
           "map": "cams.json gradcam, features.27, class 5, nearest x16", "curves": {}}
    for kind, start, finish in (("deletion", image, black), ("insertion", blurred(image), image)):
        current = start.reshape(hw, 3).copy()
        states = []
        for i in range(STEPS + 1):
            states.append(current.reshape(224, 224, 3).copy())
            if i < STEPS:
                idx = order[i * per_step:(i + 1) * per_step]
                current[idx] = finish.reshape(hw, 3)[idx]
        batch = torch.from_numpy(np.stack(states).transpose(0, 3, 1, 2).copy())
        with torch.no_grad():
            p = torch.softmax(model(batch), dim=1)[:, 5].numpy().astype(np.float64)
        area = (p.sum() - p[0] / 2 - p[-1] / 2) / (len(p) - 1)
        out["curves"][kind] = {"probabilities": [float(v) for v in p], "area": float(area)}
        print(kind, "area", area)
    with open(os.path.join(HERE, "scores.json"), "w") as f:
        json.dump(out, f, indent=1)


if __name__ == "__main__":
    sys.exit(main())
