#!/usr/bin/env python3
"""Reference input attributions from Captum for ConvScope's explanation tests.

Runs Captum on Tests/Models/vgg11_bn_torch (the model and input make_cam_references.py uses) for its top class, with
the class logit as the target, and writes attributions.npy (every method's attribution), attributions.json (what is
in it) and smoothgrad_noise.npy beside this script. Each attribution is (H, W, C) in the network's input space (the preprocessed image), channel order RGB:
  saliency            Saliency (abs=True)
  guided_backprop     GuidedBackprop
  deconvnet           Deconvolution
  integrated_gradients IntegratedGradients, 50 steps, Gauss-Legendre, baseline the image darkened to a quarter
                      (px * 0.25, preprocessed). Not black: near a uniform image max-pool windows hold exact ties,
                      and which value wins then depends on each library's rounding (both answers are valid
                      gradients; torch's and ConvScope's differ by up to 24% of the map there).
  smoothgrad          Saliency averaged over the inputs + each noise sample of smoothgrad_noise.npy (what NoiseTunnel
                      with nt_type="smoothgrad" computes; the noise is written so both sides use the same)
  guided_gradcam      GuidedGradCam at features.27 (Grad-CAM not normalised, nearest-upsampled, x guided backprop)
  occlusion           Occlusion, window 3x16x16, strides 3x8x8, baseline 0
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
    return t.detach()[0].numpy().transpose(1, 2, 0)


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
    out = {"generator": "Tests/Explanations/make_attribution_references.py", "captum": "0.9.0",
           "torch": torch.__version__, "class": k, "target": "logit", "shape": [224, 224, 3], "maps": {}}
    m = out["maps"]
    m["saliency"] = hwc(Saliency(model).attribute(x.clone().requires_grad_(), target=k))
    m["guided_backprop"] = hwc(GuidedBackprop(model).attribute(x.clone().requires_grad_(), target=k))
    m["deconvnet"] = hwc(Deconvolution(model).attribute(x.clone().requires_grad_(), target=k))
    m["integrated_gradients"] = hwc(IntegratedGradients(model).attribute(
        x.clone(), baselines=darkened, target=k, n_steps=50, method="gausslegendre"))
    noise = np.random.default_rng(11).normal(0, SMOOTHGRAD_SIGMA, (SMOOTHGRAD_SAMPLES,) + tuple(x.shape[1:]))
    noise = noise.astype(np.float32)
    np.save(os.path.join(HERE, "smoothgrad_noise.npy"), noise.transpose(0, 2, 3, 1).copy())   # (N, H, W, C)
    grads = [hwc(Saliency(model).attribute((x + torch.from_numpy(n[None])).requires_grad_(), target=k)) for n in noise]
    m["smoothgrad"] = np.mean(grads, axis=0)
    m["guided_gradcam"] = hwc(GuidedGradCam(model, model.features[27]).attribute(x.clone().requires_grad_(), target=k))
    m["occlusion"] = hwc(Occlusion(model).attribute(x.clone(), target=k, sliding_window_shapes=(3, 16, 16),
                                                    strides=(3, 8, 8), baselines=0))
    out["integrated_gradients"] = {"steps": 50, "method": "gausslegendre", "baseline": "px * 0.25, preprocessed"}
    out["smoothgrad"] = {"samples": SMOOTHGRAD_SAMPLES, "sigma": SMOOTHGRAD_SIGMA, "noise": "smoothgrad_noise.npy"}
    for name, a in m.items():
        print(f"{name}: max |a| {np.abs(a).max():.4g}")
    out["methods"] = list(m)
    out["maps"] = "attributions.npy (methods, H, W, C) float32, in the order of 'methods'"
    np.save(os.path.join(HERE, "attributions.npy"), np.stack([m[n] for n in out["methods"]]).astype("<f4"))
    with open(os.path.join(HERE, "attributions.json"), "w") as f:
        json.dump(out, f, indent=1)
    print("wrote attributions.npy", os.path.getsize(os.path.join(HERE, "attributions.npy")), "bytes")


if __name__ == "__main__":
    sys.exit(main())
