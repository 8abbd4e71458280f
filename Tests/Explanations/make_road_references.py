#!/usr/bin/env python3
"""Reference ROAD scores (Rong et al., 2022) from pytorch-grad-cam 1.5.5's metrics/road.py for ConvScope's tests.
On Tests/Models/vgg11_bn_torch and its input, class 5, with the Grad-CAM map of cams.json (features.27, 14x14)
upsampled x16 by nearest neighbour: ROADMostRelevantFirst and ROADLeastRelevantFirst at percentiles 10..90, each the
change of the class's softmax probability after noisy linear imputation of the removed pixels, and their averages and
ROADCombined. The imputation's noise is set to 0 here (pytorch-grad-cam draws it from torch.randn), so the numbers are
the linear imputation's exactly; ConvScope's default adds seeded noise of the same size. Writes road.json beside this
script. Not run in CI.
  pip install torch torchvision safetensors grad-cam==1.5.5 numpy scipy
  python3 Tests/Explanations/make_road_references.py
"""
import json
import os
import sys

import numpy as np
import torch
from safetensors.torch import load_file

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_cam_references import MODEL, TORCH_MEAN, TORCH_STD, VGG  # noqa: E402
from pytorch_grad_cam.metrics import road  # noqa: E402
from pytorch_grad_cam.utils.model_targets import ClassifierOutputSoftmaxTarget  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
PERCENTILES = [10, 20, 30, 40, 50, 60, 70, 80, 90]


def main():
    road.NoisyLinearImputer.__init__.__defaults__ = (0.0, road.neighbors_weights)   # no noise: exact numbers
    model = VGG().eval()
    model.load_state_dict(load_file(os.path.join(MODEL, "model.safetensors")))
    px = np.load(os.path.join(MODEL, "input.npy")).astype(np.float32)
    x = torch.from_numpy((((px / 255.0) - TORCH_MEAN) / TORCH_STD).transpose(2, 0, 1)[None].copy().astype(np.float32))
    cams = json.load(open(os.path.join(HERE, "cams.json")))
    case = next(c for c in cams["cases"] if c["layer_module"] == "features.27" and c["class"] == 5)
    cam = np.array(case["maps"]["gradcam"], dtype=np.float32).reshape(14, 14)
    rank = np.repeat(np.repeat(cam, 16, axis=0), 16, axis=1)[None]
    targets = [ClassifierOutputSoftmaxTarget(5)]
    out = {"generator": "Tests/Explanations/make_road_references.py", "class": 5, "noise": 0.0,
           "map": "cams.json gradcam, features.27, class 5, nearest x16", "percentiles": PERCENTILES,
           "most_relevant_first": [], "least_relevant_first": []}
    for p in PERCENTILES:
        out["most_relevant_first"].append(float(road.ROADMostRelevantFirst(p)(x, rank, targets, model)[0]))
        out["least_relevant_first"].append(float(road.ROADLeastRelevantFirst(p)(x, rank, targets, model)[0]))
        print(p, out["most_relevant_first"][-1], out["least_relevant_first"][-1])
    out["most_relevant_first_average"] = float(np.mean(np.float32(out["most_relevant_first"])))
    out["least_relevant_first_average"] = float(np.mean(np.float32(out["least_relevant_first"])))
    out["combined"] = float(road.ROADCombined(PERCENTILES)(x, rank, targets, model)[0])
    with open(os.path.join(HERE, "road.json"), "w") as fh:
        json.dump(out, fh, indent=1)
    print("wrote road.json", out["combined"])


if __name__ == "__main__":
    main()
