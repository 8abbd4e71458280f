#!/usr/bin/env python3
"""Reference class activation maps from pytorch-grad-cam for ConvScope's explanation tests.

Runs pytorch-grad-cam 1.5.5 on Tests/Models/vgg11_bn_torch (torchvision's vgg11_bn layout, narrow widths, seeded
weights; the same model.safetensors and input.npy the Swift tests read) and writes cams.json beside this script:
for two layers (the last convolution block, 14x14, and the fourth, 56x56) and two classes (the top class and the
third), each method's map at the layer's own resolution, exactly as pytorch-grad-cam computes it (ReLU, then its
scale_cam_image min-max normalisation; its final resize to the input is made an identity by asking for the layer's
size). Not run in CI; its output is committed.

Eigen-CAM: pytorch-grad-cam projects on the first right-singular vector from numpy's SVD, whose sign is LAPACK's
arbitrary choice. The reference fixes it (the vector's components sum to a positive number), as ConvScope does, and
says whether pytorch-grad-cam's own output had the same sign.

  pip install torch torchvision safetensors grad-cam==1.5.5 numpy
  python3 Tests/Explanations/make_cam_references.py
"""
import json
import os
import sys

import numpy as np
import torch
import torch.nn as nn
from safetensors.torch import load_file
from torchvision.models.vgg import make_layers

import pytorch_grad_cam as pgc
from pytorch_grad_cam.utils.image import scale_cam_image
from pytorch_grad_cam.utils.model_targets import ClassifierOutputTarget

HERE = os.path.dirname(os.path.abspath(__file__))
MODEL = os.path.join(HERE, "..", "Models", "vgg11_bn_torch")
CFG = [8, "M", 16, "M", 32, 32, "M", 64, 64, "M", 64, 64, "M"]
TORCH_MEAN = np.array([0.485, 0.456, 0.406], dtype=np.float32)
TORCH_STD = np.array([0.229, 0.224, 0.225], dtype=np.float32)
# (module index in model.features, position among ConvScope's hidden layers: convolutions and pools in order)
LAYERS = [(27, 11), (13, 5)]
METHODS = {"gradcam": pgc.GradCAM, "gradcam++": pgc.GradCAMPlusPlus, "xgradcam": pgc.XGradCAM,
           "layercam": pgc.LayerCAM, "hirescam": pgc.HiResCAM, "scorecam": pgc.ScoreCAM, "ablationcam": pgc.AblationCAM,
           "eigencam": pgc.EigenCAM}


class VGG(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = make_layers(CFG, batch_norm=True)
        self.avgpool = nn.AdaptiveAvgPool2d((7, 7))
        self.classifier = nn.Sequential(nn.Linear(64 * 7 * 7, 64), nn.ReLU(True), nn.Dropout(p=0.5),
                                        nn.Linear(64, 64), nn.ReLU(True), nn.Dropout(p=0.5), nn.Linear(64, 10))

    def forward(self, x):
        return self.classifier(torch.flatten(self.avgpool(self.features(x)), 1))


def layer_size_cam(cls, model, layer, size):
    cam = cls(model=model, target_layers=[layer])
    cam.get_target_width_height = lambda _t: size   # cv2.resize to the same size: the layer's own map
    return cam


def eigen_with_fixed_sign(activations):
    a = activations[0].reshape(activations.shape[1], -1).T.astype(np.float32)
    a = a - a.mean(axis=0)
    _, _, vt = np.linalg.svd(a, full_matrices=True)
    v = vt[0] if vt[0].sum() >= 0 else -vt[0]
    projection = (a @ v).reshape(activations.shape[2:])[None]
    return scale_cam_image(np.maximum(projection, 0))[0], bool(vt[0].sum() >= 0)


def main():
    torch.use_deterministic_algorithms(True)
    model = VGG().eval()
    model.load_state_dict(load_file(os.path.join(MODEL, "model.safetensors")))
    px = np.load(os.path.join(MODEL, "input.npy")).astype(np.float32)
    x = torch.from_numpy((((px / 255.0) - TORCH_MEAN) / TORCH_STD).transpose(2, 0, 1)[None].copy().astype(np.float32))
    with torch.no_grad():
        logits = model(x)[0].numpy()
    order = [int(i) for i in np.argsort(-logits)]
    classes = [order[0], order[2]]
    out = {"generator": "Tests/Explanations/make_cam_references.py", "pytorch_grad_cam": "1.5.5",
           "torch": torch.__version__, "model": "Tests/Models/vgg11_bn_torch/model.safetensors",
           "input": "Tests/Models/vgg11_bn_torch/input.npy", "score": "logit", "logits": [float(v) for v in logits],
           "cases": []}
    for module_index, hidden_index in LAYERS:
        layer = model.features[module_index]
        acts = {}
        hook = layer.register_forward_hook(lambda _m, _i, o: acts.__setitem__("a", o.detach().numpy().copy()))
        with torch.no_grad():
            model(x)
        hook.remove()
        h, w = acts["a"].shape[2:]
        for c in classes:
            maps = {}
            for name, cls in METHODS.items():
                cam = layer_size_cam(cls, model, layer, (w, h))
                maps[name] = cam(input_tensor=x, targets=[ClassifierOutputTarget(c)])[0]
            fixed, same_sign = eigen_with_fixed_sign(acts["a"])
            if same_sign:   # then the fixed-sign map is pytorch-grad-cam's own
                assert np.abs(fixed - maps["eigencam"]).max() < 1e-4, "Eigen-CAM differs from pytorch-grad-cam's"
            maps["eigencam"] = fixed
            case = {"layer_module": f"features.{module_index}", "hidden_index": hidden_index, "class": c,
                    "height": int(h), "width": int(w),
                    "eigencam_sign_as_pytorch_grad_cam": same_sign,
                    "maps": {k: [round(float(v), 7) for v in m.reshape(-1)] for k, m in maps.items()}}
            out["cases"].append(case)
            print(f"features.{module_index} ({h}x{w}) class {c}: " + ", ".join(
                f"{k} max {m.max():.3f}" for k, m in maps.items()))
    with open(os.path.join(HERE, "cams.json"), "w") as f:
        json.dump(out, f, separators=(",", ":"))
    print("wrote", os.path.join(HERE, "cams.json"), os.path.getsize(os.path.join(HERE, "cams.json")), "bytes")


if __name__ == "__main__":
    sys.exit(main())
