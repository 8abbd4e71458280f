"""The explanation section of Benchmarks/peers.py: pytorch-grad-cam and Captum against `convscope bench --methods`.

Same weights as the VGG16 figures (the HED convolutions and the synthetic classifier, read from peers.py's cached
file), same 224x224 input, preprocessed as Keras's caffe mode; torch's VGG16 holds those numbers (Keras's HWIO kernels
turned OIHW, fc1's rows from Keras's (h, w, c) flatten order to torch's (c, h, w)). torch: 2 intra-op threads, like
the other peers. The layer is block5_conv3 after its ReLU (torchvision's features[29], made non-inplace so hooks
see it). Each figure is one call as a user makes it (forward pass included): pytorch-grad-cam's `cam(input_tensor,
targets)` and Captum's `attribute`; the median of --runs; Score-CAM (batch 32, its default-like batch) and
Ablation-CAM, figures of a minute, the median of SLOW_RUNS runs on both sides, the first cold (one run of the peer's
Score-CAM took 57 s in one session and 66 s in others: one run is not a figure).
convscope: `convscope bench --methods ... --score-cam-top 64 --scoreboard`, the same work per call in-process.
Guided backprop is timed against both peers that have it (pytorch-grad-cam's GuidedBackpropReLUModel, Captum's
GuidedBackprop); Integrated Gradients against Captum only (pytorch-grad-cam has none).
Targets (the explanations issue): every method >= 5x faster than pytorch-grad-cam / Captum; Score-CAM over all 512
channels < 15 s; its top-64 option < 2.5 s; the scoreboard for every method < 60 s, its first row < 5 s.
"""
import copy
import json
import os
import statistics
import subprocess
import sys
import time

SLOW_RUNS = 3  # timed runs of Score-CAM and Ablation-CAM, both sides

# (row, convscope method, peer label): one row per peer run
METHODS = [("gradcam", "gradcam", "pytorch-grad-cam GradCAM"),
           ("gradcam++", "gradcam++", "pytorch-grad-cam GradCAMPlusPlus"),
           ("layercam", "layercam", "pytorch-grad-cam LayerCAM"),
           ("xgradcam", "xgradcam", "pytorch-grad-cam XGradCAM"),
           ("hirescam", "hirescam", "pytorch-grad-cam HiResCAM"),
           ("eigencam", "eigencam", "pytorch-grad-cam EigenCAM"),
           ("ablationcam", "ablationcam", "pytorch-grad-cam AblationCAM"),
           ("guided_backprop_pgc", "guided_backprop", "pytorch-grad-cam GuidedBackpropReLUModel"),
           ("guided_backprop", "guided_backprop", "Captum GuidedBackprop"),
           ("integrated_gradients", "integrated_gradients", "Captum IntegratedGradients (50 steps)"),
           ("scorecam", "scorecam", "pytorch-grad-cam ScoreCAM")]


def torch_vgg16(weights):
    """torchvision's VGG16 holding peers.py's reference weights ({layer: (kernel, bias)}, Keras layouts)."""
    import numpy as np
    import torch
    import torchvision
    model = torchvision.models.vgg16(weights=None).eval()
    convs = [m for m in model.features if isinstance(m, torch.nn.Conv2d)]
    names = [n for n in weights if n.startswith("block")]
    with torch.no_grad():
        for conv, name in zip(convs, names):
            k, b = weights[name]
            conv.weight.copy_(torch.from_numpy(np.ascontiguousarray(k.transpose(3, 2, 0, 1))))
            conv.bias.copy_(torch.from_numpy(b))
        k, b = weights["fc1"]
        fc1 = k.reshape(7, 7, 512, 4096).transpose(2, 0, 1, 3).reshape(25088, 4096)
        for linear, (kk, bb) in zip([m for m in model.classifier if isinstance(m, torch.nn.Linear)],
                                    [(fc1, b), weights["fc2"], weights["predictions"]]):
            linear.weight.copy_(torch.from_numpy(np.ascontiguousarray(kk.T)))
            linear.bias.copy_(torch.from_numpy(bb))
    for m in model.modules():
        if isinstance(m, torch.nn.ReLU):
            m.inplace = False
    return model


def peer_call(name, model, x, top):
    """A function that runs `name` once as a user of the peer library would."""
    import pytorch_grad_cam as pgc
    from pytorch_grad_cam.utils.model_targets import ClassifierOutputTarget
    from captum.attr import GuidedBackprop, IntegratedGradients
    layer = model.features[29]
    targets = [ClassifierOutputTarget(top)]
    cams = {"gradcam": pgc.GradCAM, "gradcam++": pgc.GradCAMPlusPlus, "layercam": pgc.LayerCAM,
            "xgradcam": pgc.XGradCAM, "hirescam": pgc.HiResCAM, "eigencam": pgc.EigenCAM,
            "ablationcam": pgc.AblationCAM, "scorecam": pgc.ScoreCAM}
    if name in cams:
        cam = cams[name](model=model, target_layers=[layer])
        if name in ("scorecam", "ablationcam"):
            cam.batch_size = 32
        return lambda: cam(input_tensor=x, targets=targets)
    if name == "guided_backprop_pgc":
        # On a copy: it swaps the model's ReLUs for its own and back for one shared torch.nn.ReLU, after which a hook
        # on features[29] would fire at every ReLU (Score-CAM would then weigh block1's 64 channels).
        gb_model = pgc.GuidedBackpropReLUModel(model=copy.deepcopy(model), device="cpu")
        return lambda: gb_model(x.clone(), target_category=top)
    if name == "guided_backprop":
        gb = GuidedBackprop(model)
        return lambda: gb.attribute(x.clone().requires_grad_(True), target=top)
    ig = IntegratedGradients(model)
    return lambda: ig.attribute(x, target=top, n_steps=50, internal_batch_size=16)


def bench_explanations(out, binary, weights_file, weights, png, x_nhwc, runs, run_convscope, last_json, log):
    """In a child Python: torch and TensorFlow each bring an LLVM that cannot share one process."""
    log("explanations: pytorch-grad-cam and Captum in a separate Python (torch and TensorFlow's LLVMs clash)")
    p = subprocess.run([sys.executable, os.path.abspath(__file__), weights_file, png, str(runs)], stdout=subprocess.PIPE,
                       text=True, timeout=3600)
    if p.returncode != 0:
        raise SystemExit("the torch peers failed (%d)" % p.returncode)
    peers = json.loads(p.stdout.strip().splitlines()[-1])
    top = peers.pop("_top")
    log("explanations: convscope bench --methods ... --score-cam-top 64 --scoreboard")
    rc, stdout, err = run_convscope(binary, ["bench", "--weights", weights_file, "--image", png, "--runs", str(runs),
                                             "--slow-runs", str(SLOW_RUNS),
                                             "--methods", ",".join(dict.fromkeys(m for _, m, _ in METHODS)),
                                             "--score-cam-top", "64",
                                             "--scoreboard", "--json"], 3600)
    if rc != 0:
        raise SystemExit("convscope bench --methods failed (%d):\n%s%s" % (rc, stdout, err))
    out.update({"peers": peers, "convscope": last_json(stdout), "top_class": top})


def torch_peers(weights_file, png, runs):
    """The peers' figures, in this (child) process: {method: {label, seconds, runs}, "_top": class}."""
    import numpy as np
    import torch
    from PIL import Image
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import peers
    weights = peers.read_legacy_h5(weights_file)
    rgb = np.asarray(Image.open(png).convert("RGB"), dtype=np.float32)
    x_nhwc = (rgb[..., ::-1] - np.array([103.939, 116.779, 123.68], dtype=np.float32))[None]   # Keras's caffe mode
    torch.set_num_threads(2)
    model = torch_vgg16(weights)
    x = torch.from_numpy(x_nhwc.transpose(0, 3, 1, 2).copy())
    with torch.no_grad():
        top = int(model(x)[0].argmax())
    peers = {}
    for name, _, label in METHODS:
        call = peer_call(name, model, x, top)
        slow = name in ("scorecam", "ablationcam")
        n = SLOW_RUNS if slow else runs
        if not slow:
            call()  # warm-up (hooks, allocations); Score-CAM's two minutes are timed cold, like convscope's
        times = []
        for _ in range(n):
            t = time.perf_counter()
            call()
            times.append(time.perf_counter() - t)
        peers[name] = {"label": label, "seconds": statistics.median(times), "runs": n}
        print("[explanations] %s %.3f s" % (label, peers[name]["seconds"]), file=sys.stderr, flush=True)
    peers["_top"] = top
    return peers


def rows(res):
    """(figure, peer s, convscope s, ratio, target, PASS/FAIL) for the report."""
    p, c = res["peers"], res["convscope"]
    table = []
    for name, method, label in METHODS:
        ours, theirs = c["explain_%s_s" % method], p[name]["seconds"]
        ok = theirs / ours >= 5 and (name != "scorecam" or ours < 15)
        table.append(("%s (%s)" % (method, label.split()[0]), "%.3f" % theirs, "%.3f" % ours, "%.1fx" % (theirs / ours),
                      ">= 5x" + (", < 15 s" if name == "scorecam" else ""), "PASS" if ok else "FAIL"))
    top64 = c.get("explain_scorecam_top64_s")
    if top64 is not None:
        table.append(("scorecam, top 64 channels", "", "%.3f" % top64, "", "< 2.5 s", "PASS" if top64 < 2.5 else "FAIL"))
    if "scoreboard_all_s" in c:
        a, f = c["scoreboard_all_s"], c["scoreboard_first_row_s"]
        table.append(("scoreboard, 15 methods", "", "%.1f" % a, "", "< 60 s", "PASS" if a < 60 else "FAIL"))
        table.append(("scoreboard, first row", "", "%.2f" % f, "", "< 5 s", "PASS" if f < 5 else "FAIL"))
    return table


def print_rows(res):
    head = ("explanation", "peer s", "convscope s", "ratio", "target", "result")
    table = rows(res)
    widths = [max(len(str(r[i])) for r in table + [head]) for i in range(len(head))]
    line = "  ".join("%%-%ds" % w for w in widths)
    print(line % head)
    print("  ".join("-" * w for w in widths))
    for r in table:
        print((line % r).rstrip())
    print()
    return sum(1 for r in table if r[-1] == "FAIL")


if __name__ == "__main__":
    print(json.dumps(torch_peers(sys.argv[1], sys.argv[2], int(sys.argv[3]))))
