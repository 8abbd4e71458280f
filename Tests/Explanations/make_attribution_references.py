#!/usr/bin/env python3
"""Reference input attributions from Captum for ConvScope's explanation tests.

Runs Captum on Tests/Models/vgg11_bn_torch (the model and input make_cam_references.py uses) for its top class, with
the class logit as the target, and writes beside this script attributions/<method>.npy (one map each, (H, W, C)
float32 in the network's input space, the preprocessed image, channel order RGB; one file per map keeps each under
the repository's 4 MB), attributions.json (what is in them) and smoothgrad_noise.npy:
  saliency              Saliency (abs=True)
  guided_backprop       GuidedBackprop
  deconvnet             Deconvolution
  integrated_gradients  IntegratedGradients, 50 steps (Captum's default), Gauss-Legendre, baseline the image darkened
                        to a quarter (px * 0.25, preprocessed)
  integrated_gradients_4  the same with 4 steps
  smoothgrad            Saliency averaged over the inputs + each noise sample of smoothgrad_noise.npy (what NoiseTunnel
                        with nt_type="smoothgrad" computes; the noise is written so both sides use the same)
  guided_gradcam        GuidedGradCam at features.27 (Grad-CAM not normalised, nearest-upsampled, x guided backprop)
  occlusion             Occlusion, window 3x16x16, strides 3x8x8, baseline 0

Each map is computed twice, by the float32 model (the reference) and by the same model in float64, and
attributions.json records how far apart the two are ("float64_difference", relative to the map's largest |value|):
how much of the reference is decided by rounding rather than by the method. For a map from one or a few gradients it
is about 4e-7. For Integrated Gradients at 50 steps it is about 8e-3: every path point lies within 1e-7 (relative) of
some ReLU's or max-pool's kink, and at about 3 of the 50 such a unit carries enough gradient that float32 and float64
take different sides, moving that point's gradient by 6-30% of its largest value (the same happens between torch and
any other float32 implementation: which side is taken depends on summation order). With 4 steps no point is decided
that way, so that map checks the method itself at full precision.
Not run in CI; its output is committed.

  pip install torch torchvision safetensors captum==0.9.0 numpy
  python3 Tests/Explanations/make_attribution_references.py
"""
import json
import os
import sys

import numpy as np
import torch
from captum.attr import (Deconvolution, GuidedBackprop, GuidedGradCam, IntegratedGradients, Occlusion, Saliency)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_cam_references import MODEL, TORCH_MEAN, TORCH_STD, VGG  # noqa: E402

from safetensors.torch import load_file  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
SMOOTHGRAD_SAMPLES, SMOOTHGRAD_SIGMA = 2, 0.15


def hwc(t):
    return t.detach()[0].double().numpy().transpose(1, 2, 0)


def attributions(model, x, darkened, k, noise):
    """Every method's map for `model` (float32 or float64), `x` and `darkened` in the model's precision."""
    m = {}
    m["saliency"] = hwc(Saliency(model).attribute(x.clone().requires_grad_(), target=k))
    m["guided_backprop"] = hwc(GuidedBackprop(model).attribute(x.clone().requires_grad_(), target=k))
    m["deconvnet"] = hwc(Deconvolution(model).attribute(x.clone().requires_grad_(), target=k))
    for steps, name in [(50, "integrated_gradients"), (4, "integrated_gradients_4")]:
        m[name] = hwc(IntegratedGradients(model).attribute(
            x.clone(), baselines=darkened, target=k, n_steps=steps, method="gausslegendre"))
    grads = [hwc(Saliency(model).attribute((x + torch.from_numpy(n[None]).to(x.dtype)).requires_grad_(), target=k))
             for n in noise]
    m["smoothgrad"] = np.mean(grads, axis=0)
    m["guided_gradcam"] = hwc(GuidedGradCam(model, model.features[27]).attribute(x.clone().requires_grad_(), target=k))
    m["occlusion"] = hwc(Occlusion(model).attribute(x.clone(), target=k, sliding_window_shapes=(3, 16, 16),
                                                    strides=(3, 8, 8), baselines=0))
    return m


def main():
    torch.manual_seed(7)
    torch.use_deterministic_algorithms(True)
    model = VGG().eval()
    model.load_state_dict(load_file(os.path.join(MODEL, "model.safetensors")))
    px = np.load(os.path.join(MODEL, "input.npy")).astype(np.float32)
    norm = lambda p: (((p / 255.0) - TORCH_MEAN) / TORCH_STD).transpose(2, 0, 1)[None].astype(np.float32)
    x = torch.from_numpy(norm(px).copy())
    darkened = torch.from_numpy(norm(px * np.float32(0.25)).copy())
    with torch.no_grad():
        k = int(model(x)[0].argmax())
    noise = np.random.default_rng(11).normal(0, SMOOTHGRAD_SIGMA, (SMOOTHGRAD_SAMPLES,) + tuple(x.shape[1:]))
    noise = noise.astype(np.float32)
    m = attributions(model, x, darkened, k, noise)
    exact = attributions(model.double(), x.double(), darkened.double(), k, noise)
    out = {"generator": "Tests/Explanations/make_attribution_references.py", "captum": "0.9.0",
           "torch": torch.__version__, "class": k, "target": "logit", "shape": [224, 224, 3],
           "maps": "attributions/<method>.npy, (H, W, C) float32", "methods": list(m),
           "integrated_gradients": {"steps": 50, "method": "gausslegendre", "baseline": "px * 0.25, preprocessed"},
           "integrated_gradients_4": {"steps": 4, "method": "gausslegendre", "baseline": "px * 0.25, preprocessed"},
           "smoothgrad": {"samples": SMOOTHGRAD_SAMPLES, "sigma": SMOOTHGRAD_SIGMA, "noise": "smoothgrad_noise.npy"},
           "float64_difference": {}}
    os.makedirs(os.path.join(HERE, "attributions"), exist_ok=True)
    np.save(os.path.join(HERE, "smoothgrad_noise.npy"), noise.transpose(0, 2, 3, 1).copy())   # (N, H, W, C)
    for name, a in m.items():
        spread = float(np.abs(a - exact[name]).max() / np.abs(a).max())
        out["float64_difference"][name] = spread
        print(f"{name}: max |a| {np.abs(a).max():.4g}, float64 differs by {spread:.2e} of it")
        np.save(os.path.join(HERE, "attributions", name + ".npy"), a.astype("<f4"))
    with open(os.path.join(HERE, "attributions.json"), "w") as f:
        json.dump(out, f, indent=1)


if __name__ == "__main__":
    sys.exit(main())
