#!/usr/bin/env python3
"""Measure ConvScope against pytorch-grad-cam and Captum on the full-size VGG16 (prints figures; writes nothing).

The committed references (make_vgg16_references.py) use the narrow seeded vgg16_finetuned, because the full model
(528 MB) cannot live in the repository. This script repeats the comparison on a full VGG16 Keras .h5 (13 convolutions
64-512 wide, fc1 25088x4096, fc2, predictions 1000; e.g. a real ImageNet backbone with a synthetic classifier) on a
224x224 image, from the maps `convscope explain --npy` wrote. The torch port maps HWIO kernels to OIHW and keeps
Keras's flatten order (h, w, c) by permuting before the flatten. For Integrated Gradients (50 steps, black baseline)
and Saliency it also prints Captum's own float32 vs float64 gap. Not run in CI.

Measured on vgg16_full_synthetic.h5 (real ImageNet conv backbone, synthetic classifier) and Golden/chelsea224.png,
class 578: CAMs 7e-7 to 3e-5 (Ablation-CAM); saliency 7.2e-4 (Captum's float32 vs float64: 8e-7; 38 of the
pass's gradient-carrying ReLUs and max-pools are within 2e-7 of their kink, ours takes the other side at a few);
guided backprop 5.6e-5, deconvnet 1.3e-6, occlusion 8.4e-6; Integrated Gradients 8.6e-4 from Captum's float32
map, 1.47e-3 from its float64 map, which is 1.47e-3 from its own float32 map.

  convscope explain IMAGE --weights MODEL.h5 --npy --out OUT --method gradcam,gradcam++,xgradcam,layercam,hirescam,\
scorecam,ablationcam,eigencam,saliency,guided_backprop,deconvnet,integrated_gradients,occlusion
  python3 Tests/Explanations/measure_full_vgg16.py MODEL.h5 IMAGE OUT
"""
import os
import sys

import h5py
import numpy as np
import torch
import torch.nn as nn
from captum.attr import Deconvolution, GuidedBackprop, IntegratedGradients, Occlusion, Saliency
from PIL import Image
from pytorch_grad_cam.utils.model_targets import ClassifierOutputTarget

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_cam_references import METHODS, eigen_with_fixed_sign, layer_size_cam  # noqa: E402

CONVS, WIDTHS = [2, 2, 3, 3, 3], [64, 128, 256, 512, 512]
CAFFE_MEAN_BGR = np.array([103.939, 116.779, 123.68], dtype=np.float32)


class VGG16(nn.Module):
    def __init__(self):
        super().__init__()
        layers, self.conv_names, cin = [], [], 3
        for b, n in enumerate(CONVS):
            for c in range(n):
                layers += [nn.Conv2d(cin, WIDTHS[b], 3, padding=1), nn.ReLU()]
                self.conv_names.append("block%d_conv%d" % (b + 1, c + 1))
                cin = WIDTHS[b]
            layers.append(nn.MaxPool2d(2, 2))
        self.features = nn.Sequential(*layers)
        self.fc1, self.relu1 = nn.Linear(25088, 4096), nn.ReLU()
        self.fc2, self.relu2 = nn.Linear(4096, 4096), nn.ReLU()
        self.predictions = nn.Linear(4096, 1000)

    def forward(self, x):
        t = self.features(x).permute(0, 2, 3, 1).flatten(1)
        return self.predictions(self.relu2(self.fc2(self.relu1(self.fc1(t)))))


def load(path, dtype):
    m = VGG16()
    with h5py.File(path, "r") as f:
        def group(name):   # Keras 2 weights files: <layer>/<layer>/kernel:0
            g = f[name]
            return g[name] if name in g else g
        for conv, name in zip([c for c in m.features if isinstance(c, nn.Conv2d)], m.conv_names):
            conv.weight.data = torch.from_numpy(np.asarray(group(name)["kernel:0"]).transpose(3, 2, 0, 1).copy())
            conv.bias.data = torch.from_numpy(np.asarray(group(name)["bias:0"]).copy())
        for lin, name in [(m.fc1, "fc1"), (m.fc2, "fc2"), (m.predictions, "predictions")]:
            lin.weight.data = torch.from_numpy(np.asarray(group(name)["kernel:0"]).T.copy())
            lin.bias.data = torch.from_numpy(np.asarray(group(name)["bias:0"]).copy())
    return m.eval().to(dtype)


def main(model_path, image, out):
    torch.set_num_threads(2)
    px = np.asarray(Image.open(image).convert("RGB")).astype(np.float32)
    assert px.shape == (224, 224, 3), "a 224x224 image (so that neither side resizes)"
    x = torch.from_numpy(np.ascontiguousarray((px[..., ::-1] - CAFFE_MEAN_BGR).transpose(2, 0, 1)[None]))
    black = torch.from_numpy(np.ascontiguousarray((-CAFFE_MEAN_BGR)[None, :, None, None] * np.ones((1, 3, 224, 224),
                                                                                                     np.float32)))
    m32, m64 = load(model_path, torch.float32), load(model_path, torch.float64)
    with torch.no_grad():
        k = int(m32(x)[0].argmax())
    stem = os.path.join(out, os.path.splitext(os.path.basename(image))[0])
    print(f"top class {k}")
    layer = m32.features[-2]
    for name, cls in METHODS.items():
        path = f"{stem}_{name}_block5_conv3" + ("" if name == "eigencam" else f"_class{k}") + ".npy"
        if not os.path.exists(path):
            continue
        if name == "eigencam":
            acts = {}
            hook = layer.register_forward_hook(lambda _m, _i, o: acts.__setitem__("a", o.detach().numpy().copy()))
            with torch.no_grad():
                m32(x)
            hook.remove()
            ref, _ = eigen_with_fixed_sign(acts["a"])
        else:
            ref = layer_size_cam(cls, m32, layer, (14, 14))(input_tensor=x, targets=[ClassifierOutputTarget(k)])[0]
        print(f"{name}: max |ours - pytorch-grad-cam| {np.abs(np.load(path).reshape(ref.shape) - ref).max():.2e}")

    def hwc(t):
        return t.detach()[0].double().numpy().transpose(1, 2, 0)
    methods = {
        "saliency": lambda m, v, b: Saliency(m).attribute(v.clone().requires_grad_(), target=k),
        "guided_backprop": lambda m, v, b: GuidedBackprop(m).attribute(v.clone().requires_grad_(), target=k),
        "deconvnet": lambda m, v, b: Deconvolution(m).attribute(v.clone().requires_grad_(), target=k),
        "integrated_gradients": lambda m, v, b: IntegratedGradients(m).attribute(
            v, baselines=b, target=k, n_steps=50, method="gausslegendre", internal_batch_size=5),
        "occlusion": lambda m, v, b: Occlusion(m).attribute(
            v, target=k, sliding_window_shapes=(3, 16, 16), strides=(3, 8, 8), baselines=0, perturbations_per_eval=8),
    }
    for name, fn in methods.items():
        path = f"{stem}_{name}_class{k}.npy"
        if not os.path.exists(path):
            continue
        ref = hwc(fn(m32, x, black))
        ours = np.load(path).astype(np.float64)
        scale = np.abs(ref).max()
        line = f"{name}: max |ours - Captum| {np.abs(ours - ref).max() / scale:.2e} of the largest |value|"
        if name in ("saliency", "integrated_gradients"):
            exact = hwc(fn(m64, x.double(), black.double()))
            line += (f"; Captum float32 vs float64 {np.abs(ref - exact).max() / scale:.2e}, "
                     f"ours vs Captum float64 {np.abs(ours - exact).max() / scale:.2e}")
        print(line, flush=True)


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    sys.exit(main(*sys.argv[1:]))
