#!/usr/bin/env python3
"""Reference explanations on VGG16 from pytorch-grad-cam and Captum for ConvScope's fidelity tests.

The model is Tests/Models/vgg16_finetuned (VGG16's 13 convolutions and 5 pools, narrow widths, seeded weights; a
flowers head: global average pooling, dense 64 + ReLU, dropout, batch normalisation, dense 5), ported into torch from
its model.h5: Keras HWIO kernels become OIHW, dense kernels (in, out) become (out, in), the batch normalisation keeps
Keras's epsilon 1e-3. Global average pooling means there is no flatten order to map. The input is input.npy with the
model's own caffe preprocessing (RGB→BGR, minus the BGR means), exactly what the Swift runner feeds the network, so
every map below is in that BGR input space. The port is checked against reference.json's Keras logits first.

For the top class and the third, with the class logit as the target, this writes vgg16/ beside this script:
  cams.json             every pytorch-grad-cam 1.5.5 method at block5_conv3 (after its ReLU), at the layer's own 8x10
                        size, normalised as pytorch-grad-cam does (Eigen-CAM's sign fixed as make_cam_references.py
                        fixes it), for both classes
  <method>.npy          Captum 0.9.0 attributions for the top class, (H, W, C) = (128, 160, 3) float32:
    saliency              Saliency (abs=True)
    guided_backprop       GuidedBackprop
    deconvnet             Deconvolution
    guided_gradcam        GuidedGradCam at block5_conv3's ReLU (nearest upsampling)
    integrated_gradients  IntegratedGradients, 50 steps, Gauss-Legendre, baseline the black image preprocessed (what
                          ConvScope's IntegratedGradients() uses by default)
    integrated_gradients_zero    the same from the network's zero input (the mean image: caffe subtracts the means)
    integrated_gradients_zero_4  that with 4 steps
    occlusion             Occlusion, window 3x16x16, strides 3x8x8, baseline 0 (ConvScope's Occlusion() defaults)
  integrated_gradients*_float64.npy  the Integrated Gradients maps with the model, input and baseline in float64
                        (float64 .npy): what ConvScope's float64 path (--precision double) is held to
  attributions.json     what is in them, and for every map (CAMs included) "float64_difference": how far the same
                        method's map moves when the model runs in float64 (attributions: relative to the map's largest
                        |value|; CAMs: absolute, of the normalised map). That is how much of the reference is decided by
                        rounding rather than by the method.
Measured float64 differences: CAMs about 1e-6, one-gradient maps about 4e-7, occlusion 7e-6, Integrated Gradients
from zero at 4 steps 3e-7. At 50 steps Integrated Gradients is partly decided by rounding: from zero 5.5e-4 (at one
of its points a ReLU is within 1e-8 of 0), from black 9.8e-3 (15 of its points, 11 of them the ones nearest the
constant baseline, where the image's variation is scaled by alpha and max-pools are within 1e-7 of a tie).
Not run in CI; its output is committed.

  pip install torch h5py grad-cam==1.5.5 captum==0.9.0 numpy safetensors
  python3 Tests/Explanations/make_vgg16_references.py
"""
import json
import os
import sys

import h5py
import numpy as np
import torch
import torch.nn as nn
from captum.attr import (Deconvolution, GuidedBackprop, GuidedGradCam, IntegratedGradients, Occlusion, Saliency)
from pytorch_grad_cam.utils.model_targets import ClassifierOutputTarget

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_cam_references import METHODS, eigen_with_fixed_sign, layer_size_cam  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
MODEL = os.path.join(HERE, "..", "Models", "vgg16_finetuned")
OUT = os.path.join(HERE, "vgg16")
CONVS = [2, 2, 3, 3, 3]
WIDTHS = [8, 16, 32, 32, 32]
CAFFE_MEAN_BGR = np.array([103.939, 116.779, 123.68], dtype=np.float32)
# (name, steps, baseline): ConvScope's default (black), and the network's zero (the mean image after caffe)
IG_RUNS = [("integrated_gradients", 50, "black"), ("integrated_gradients_zero", 50, "zero"),
           ("integrated_gradients_zero_4", 4, "zero")]


class VGG16Flowers(nn.Module):
    """vgg16_finetuned in torch: `features` holds conv, ReLU (one module each, not in place) and pool modules in order;
    `last_relu` is block5_conv3's ReLU, the layer ConvScope's block5_conv3 output is."""

    def __init__(self):
        super().__init__()
        layers, names, cin = [], [], 3
        for b, n in enumerate(CONVS):
            for c in range(n):
                layers += [nn.Conv2d(cin, WIDTHS[b], 3, padding=1), nn.ReLU()]
                names.append("block%d_conv%d" % (b + 1, c + 1))
                cin = WIDTHS[b]
            layers.append(nn.MaxPool2d(2, 2))
        self.features = nn.Sequential(*layers)
        self.conv_names = names
        self.last_relu = self.features[-2]
        self.gap = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(cin, 64)
        self.fc_relu = nn.ReLU()
        self.fc_dropout = nn.Dropout(0.3)
        self.fc_bn = nn.BatchNorm1d(64, eps=1e-3)
        self.predictions = nn.Linear(64, 5)

    def forward(self, x):
        t = torch.flatten(self.gap(self.features(x)), 1)
        return self.predictions(self.fc_bn(self.fc_dropout(self.fc_relu(self.fc(t)))))

    def load_keras_h5(self, path):
        with h5py.File(path, "r") as f:
            w = f["model_weights"]
            convs = [m for m in self.features if isinstance(m, nn.Conv2d)]
            for conv, name in zip(convs, self.conv_names):
                g = w["vgg16"][name]
                conv.weight.data = torch.from_numpy(np.asarray(g["kernel"]).transpose(3, 2, 0, 1).copy())
                conv.bias.data = torch.from_numpy(np.asarray(g["bias"]).copy())
            for dense, name in [(self.fc, "fc"), (self.predictions, "predictions")]:
                g = w[name][name]
                dense.weight.data = torch.from_numpy(np.asarray(g["kernel"]).T.copy())
                dense.bias.data = torch.from_numpy(np.asarray(g["bias"]).copy())
            g = w["fc_bn"]["fc_bn"]
            self.fc_bn.weight.data = torch.from_numpy(np.asarray(g["gamma"]).copy())
            self.fc_bn.bias.data = torch.from_numpy(np.asarray(g["beta"]).copy())
            self.fc_bn.running_mean.data = torch.from_numpy(np.asarray(g["moving_mean"]).copy())
            self.fc_bn.running_var.data = torch.from_numpy(np.asarray(g["moving_variance"]).copy())
        return self


def load(dtype):
    return VGG16Flowers().load_keras_h5(os.path.join(MODEL, "model.h5")).eval().to(dtype)


def caffe(px):
    """(H, W, 3) RGB 0-255 → (1, 3, H, W) BGR minus the means, as the model's own preprocessing."""
    return torch.from_numpy(np.ascontiguousarray((px[..., ::-1] - CAFFE_MEAN_BGR).transpose(2, 0, 1)[None],
                                                 dtype=np.float32))


def cams(model, x, classes):
    """Every pytorch-grad-cam method's normalised map at block5_conv3, for each class."""
    layer = model.last_relu
    acts = {}
    hook = layer.register_forward_hook(lambda _m, _i, o: acts.__setitem__("a", o.detach().numpy().copy()))
    with torch.no_grad():
        model(x)
    hook.remove()
    h, w = acts["a"].shape[2:]
    out = []
    for c in classes:
        maps = {}
        for name, cls in METHODS.items():
            cam = layer_size_cam(cls, model, layer, (w, h))
            maps[name] = cam(input_tensor=x, targets=[ClassifierOutputTarget(c)])[0].astype(np.float64)
        fixed, same_sign = eigen_with_fixed_sign(acts["a"])
        if same_sign:
            assert np.abs(fixed - maps["eigencam"]).max() < 1e-4, "Eigen-CAM differs from pytorch-grad-cam's"
        maps["eigencam"] = fixed.astype(np.float64)
        out.append({"class": c, "height": int(h), "width": int(w), "eigencam_sign_as_pytorch_grad_cam": same_sign,
                    "maps": maps})
    return out


def hwc(t):
    return t.detach()[0].double().numpy().transpose(1, 2, 0)


def attributions(model, x, black, k):
    """Every Captum method's map for `model` (float32 or float64) and `x`, `black` in the model's precision."""
    m = {}
    m["saliency"] = hwc(Saliency(model).attribute(x.clone().requires_grad_(), target=k))
    m["guided_backprop"] = hwc(GuidedBackprop(model).attribute(x.clone().requires_grad_(), target=k))
    m["deconvnet"] = hwc(Deconvolution(model).attribute(x.clone().requires_grad_(), target=k))
    m["guided_gradcam"] = hwc(GuidedGradCam(model, model.last_relu).attribute(x.clone().requires_grad_(), target=k))
    for name, steps, baseline in IG_RUNS:
        m[name] = hwc(IntegratedGradients(model).attribute(
            x.clone(), baselines=black if baseline == "black" else torch.zeros_like(x), target=k, n_steps=steps,
            method="gausslegendre"))
    m["occlusion"] = hwc(Occlusion(model).attribute(x.clone(), target=k, sliding_window_shapes=(3, 16, 16),
                                                    strides=(3, 8, 8), baselines=0))
    return m


def main():
    torch.use_deterministic_algorithms(True)
    ref = json.load(open(os.path.join(MODEL, "reference.json")))
    px = np.load(os.path.join(MODEL, "input.npy")).astype(np.float32)
    x = caffe(px)
    black = caffe(np.zeros_like(px))
    m32, m64 = load(torch.float32), load(torch.float64)
    with torch.no_grad():
        logits = m32(x)[0].numpy()
        logits64 = m64(x.double())[0].numpy()
    port_error = float(np.abs(logits - np.array(ref["logits"], dtype=np.float32)).max())
    print(f"logits {logits}, Keras {ref['logits']}: port differs by {port_error:.2e}")
    assert port_error < 1e-4, "the torch port does not reproduce Keras's logits"
    order = [int(i) for i in np.argsort(-logits)]
    classes = [order[0], order[2]]
    k = classes[0]

    os.makedirs(OUT, exist_ok=True)
    gaps = {}
    c32, c64 = cams(m32, x, classes), cams(m64, x.double(), classes)
    for a, b in zip(c32, c64):
        for name in a["maps"]:
            gap = float(np.abs(a["maps"][name] - b["maps"][name]).max())
            gaps[f"{name}/{a['class']}"] = gap
            print(f"{name} class {a['class']}: max {a['maps'][name].max():.3f}, float64 differs by {gap:.2e}")
        a["maps"] = {n: [round(float(v), 7) for v in m.reshape(-1)] for n, m in a["maps"].items()}
    cam_out = {"generator": "Tests/Explanations/make_vgg16_references.py", "pytorch_grad_cam": "1.5.5",
               "torch": torch.__version__, "model": "Tests/Models/vgg16_finetuned/model.h5",
               "input": "Tests/Models/vgg16_finetuned/input.npy, caffe", "layer": "block5_conv3",
               "score": "logit", "logits": [float(v) for v in logits], "cases": c32}
    with open(os.path.join(OUT, "cams.json"), "w") as f:
        json.dump(cam_out, f, separators=(",", ":"))

    a32 = attributions(m32, x, black, k)
    a64 = attributions(m64, x.double(), black.double(), k)
    meta = {"generator": "Tests/Explanations/make_vgg16_references.py", "captum": "0.9.0", "torch": torch.__version__,
            "model": "Tests/Models/vgg16_finetuned/model.h5", "input": "Tests/Models/vgg16_finetuned/input.npy, caffe",
            "class": k, "target": "logit", "shape": [128, 160, 3], "channels": "BGR (the network's input)",
            "port_max_logit_difference": port_error,
            "float64_logit_difference": float(np.abs(logits - logits64).max()),
            "maps": "<method>.npy, (H, W, C) float32", "methods": list(a32),
            **{name: {"steps": steps, "method": "gausslegendre",
                      "baseline": "black, preprocessed" if b == "black" else "zero (after preprocessing)"}
               for name, steps, b in IG_RUNS},
            "occlusion": {"window": 16, "stride": 8, "baseline": 0},
            "float64_difference": {}, "cam_float64_difference": gaps}
    for name, a in a32.items():
        spread = float(np.abs(a - a64[name]).max() / np.abs(a).max())
        meta["float64_difference"][name] = spread
        print(f"{name}: max |a| {np.abs(a).max():.4g}, float64 differs by {spread:.2e} of it")
        np.save(os.path.join(OUT, name + ".npy"), a.astype("<f4"))
        if name.startswith("integrated_gradients"):  # what ConvScope's --precision double is held to
            np.save(os.path.join(OUT, name + "_float64.npy"), a64[name].astype("<f8"))
    with open(os.path.join(OUT, "attributions.json"), "w") as f:
        json.dump(meta, f, indent=1)
    for n in sorted(os.listdir(OUT)):
        print(f"{n}: {os.path.getsize(os.path.join(OUT, n))} bytes")


if __name__ == "__main__":
    sys.exit(main())
