#!/usr/bin/env python3
"""Writes small, seeded models in real file formats plus reference numbers.

    python3 Tests/Models/make_models.py            # writes next to this script

Output (all under Tests/Models/, see README.md there):
    vgg19_keras/       legacy Keras-2 weights HDF5 (full + notop), Keras reference
    chollet_convnet/   Keras 3 native .keras (Sequential with Rescaling), Keras reference
    vgg16_finetuned/   nested functional model: .keras, legacy full-model .h5, .onnx (tf2onnx);
                       Keras reference plus ONNX Runtime numbers
    vgg11_bn_torch/    torchvision vgg11_bn layout as safetensors, PyTorch reference
    refuse/            tiny files the app must refuse (Add / Lambda layers, wrong label count)
    LAYOUT.md          h5py listings of every HDF5 file written (and of the HDF5 inside each .keras)

Needs: tensorflow 2.21 / keras 3.15, tf2onnx, onnx, onnxruntime, h5py, safetensors, torch,
torchvision (optional), numpy, pillow. CPU only. Everything is seeded.
"""
import hashlib
import io
import json
import os
import sys
import zipfile

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_DETERMINISTIC_OPS", "1")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import numpy as np
from PIL import Image
import h5py

HERE = os.path.dirname(os.path.abspath(__file__))
IMAGE = os.path.join(HERE, "..", "ConvEngineTests", "Golden", "chelsea224.png")
SEED = 20240607
N_SAMPLES = 2048
FIXED_ZIP_TIME = (2024, 1, 1, 0, 0, 0)
FIXED_DATE_SAVED = "2024-01-01@00:00:00"

CAFFE_MEAN_BGR = np.array([103.939, 116.779, 123.68], dtype=np.float32)
TORCH_MEAN = np.array([0.485, 0.456, 0.406], dtype=np.float32)
TORCH_STD = np.array([0.229, 0.224, 0.225], dtype=np.float32)

LAYOUT = []  # markdown chunks for LAYOUT.md


# ----------------------------------------------------------------------------------------- helpers

def rng_for(*keys):
    return np.random.default_rng([SEED] + [int(k) for k in keys])


def f32(x):
    """Shortest decimal that round-trips the float32 value (parsed as Double then Float too)."""
    v = np.float32(x)
    out = float(str(v))
    assert np.float32(out) == v or (np.isnan(v) and np.isnan(out))
    return out


def f32list(a):
    return [f32(v) for v in np.asarray(a, dtype=np.float32).reshape(-1)]


def load_pixels(h, w):
    im = Image.open(IMAGE).convert("RGB")
    if im.size != (w, h):
        im = im.resize((w, h), Image.BICUBIC)
    px = np.asarray(im, dtype=np.uint8)
    assert px.shape == (h, w, 3)
    return px.astype(np.float32)


def caffe(px):
    x = px[..., ::-1] - CAFFE_MEAN_BGR
    return np.ascontiguousarray(x, dtype=np.float32)


def torch_norm(px):
    return np.ascontiguousarray(((px / np.float32(255.0)) - TORCH_MEAN) / TORCH_STD, dtype=np.float32)


def hidden_entry(name, arr, model_id, layer_i):
    """arr: (H, W, C) float32."""
    arr = np.ascontiguousarray(arr, dtype=np.float32)
    assert arr.ndim == 3
    flat = arr.reshape(-1)
    k = min(N_SAMPLES, flat.size)
    idx = np.sort(rng_for(model_id, 1000 + layer_i).choice(flat.size, size=k, replace=False))
    c = arr.shape[2]
    return {
        "name": name,
        "shape": list(arr.shape),
        "max_abs": f32(np.abs(arr).max()),
        "channel_means": f32list(arr.reshape(-1, c).astype(np.float64).mean(0)),
        "indices": [int(i) for i in idx],
        "values": f32list(flat[idx]),
    }


def softmax64(z):
    z = np.asarray(z, dtype=np.float64)
    e = np.exp(z - z.max())
    return e / e.sum()


def cam_from(A, G):
    """A, G: (H, W, C). alpha = spatial mean of G; map = relu(sum alpha A) / max."""
    alpha = G.astype(np.float32).mean(axis=(0, 1))
    cam = np.maximum((A.astype(np.float32) * alpha).sum(-1), 0).astype(np.float32)
    m = cam.max()
    if m > 0:
        cam = (cam / m).astype(np.float32)
    return cam


def write_json(path, obj):
    """Top-level keys one per line, each hidden layer on its own line, lists inline."""
    def dump(v):
        return json.dumps(v, separators=(",", ":"))
    lines = ["{"]
    items = list(obj.items())
    for i, (k, v) in enumerate(items):
        comma = "," if i < len(items) - 1 else ""
        if k == "hidden":
            lines.append("  %s: [" % dump(k))
            for j, h in enumerate(v):
                lines.append("    " + dump(h) + ("," if j < len(v) - 1 else ""))
            lines.append("  ]" + comma)
        else:
            lines.append("  %s: %s%s" % (dump(k), dump(v), comma))
    lines.append("}")
    with open(path, "w") as fh:
        fh.write("\n".join(lines) + "\n")
    assert os.path.getsize(path) < 2_000_000, path


def save_input(folder, px):
    path = os.path.join(folder, "input.npy")
    np.save(path, np.ascontiguousarray(px, dtype="<f4"))
    with open(path, "rb") as fh:
        assert fh.read(8) == b"\x93NUMPY\x01\x00"


def renumber_shared_ids(data):
    """Keras writes `shared_object_id` as Python id() values (they change every run); only their
    equality matters on load, so renumber them 1, 2, ... in order of first appearance."""
    import re
    ids = {}

    def sub(m):
        return b'"shared_object_id": %d' % ids.setdefault(m.group(1), len(ids) + 1)
    return re.sub(rb'"shared_object_id": (\d+)', sub, data)


def normalize_keras_zip(path):
    """Rewrite a .keras zip with fixed entry timestamps, a fixed metadata date_saved and renumbered
    shared_object_id values, so reruns are byte-identical. Entry order, names and compression are kept as Keras wrote them."""
    with zipfile.ZipFile(path) as zin:
        entries = [(i, zin.read(i.filename)) for i in zin.infolist()]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zout:
        for info, data in entries:
            if info.filename == "config.json":
                data = renumber_shared_ids(data)
            if info.filename == "metadata.json":
                meta = json.loads(data)
                meta["date_saved"] = FIXED_DATE_SAVED
                data = json.dumps(meta).encode()
            zi = zipfile.ZipInfo(info.filename, date_time=FIXED_ZIP_TIME)
            zi.compress_type = info.compress_type
            zi.external_attr = info.external_attr
            zout.writestr(zi, data)
    with open(path, "wb") as fh:
        fh.write(buf.getvalue())


def h5_listing(path_or_file, title):
    lines = []

    def attr_repr(v):
        if isinstance(v, bytes):
            return repr(v.decode())
        if isinstance(v, np.ndarray):
            if v.dtype.kind in "SO" and v.size:
                vals = [x.decode() if isinstance(x, bytes) else str(x) for x in v.reshape(-1)]
                if len(vals) > 8:
                    return "[%s, ... %d names]" % (", ".join(vals[:6]), len(vals))
                return "[" + ", ".join(vals) + "]"
            return "array(shape=%s, dtype=%s)" % (v.shape, v.dtype)
        s = str(v)
        return (s[:100] + "... (%d chars)" % len(s)) if len(s) > 100 else repr(s)

    def show_attrs(obj, indent):
        for k in sorted(obj.attrs.keys()):
            lines.append("%s  @%s = %s" % (indent, k, attr_repr(obj.attrs[k])))

    def visit(f):
        lines.append("/")
        show_attrs(f, "")

        def cb(name, obj):
            indent = "  " * name.count("/")
            if isinstance(obj, h5py.Dataset):
                lines.append("%s%s  dataset %s %s" % (indent, name, obj.dtype, obj.shape))
            else:
                lines.append("%s%s/" % (indent, name))
            show_attrs(obj, indent)
        f.visititems(cb)

    if isinstance(path_or_file, (str, bytes, os.PathLike)):
        with h5py.File(path_or_file, "r") as f:
            visit(f)
    else:
        visit(path_or_file)
    LAYOUT.append("## %s\n\n```\n%s\n```\n" % (title, "\n".join(lines)))


def keras_zip_listing(path, title):
    chunks = ["## %s\n" % title, "Zip entries:\n", "```"]
    with zipfile.ZipFile(path) as z:
        for i in z.infolist():
            chunks.append("%-22s %8d bytes" % (i.filename, i.file_size))
        cfg = json.loads(z.read("config.json"))
        meta = json.loads(z.read("metadata.json"))
        weights = z.read("model.weights.h5")
    chunks.append("```\n")
    chunks.append("`metadata.json`: `%s`\n" % json.dumps(meta))
    chunks.append("`config.json` top level: `class_name`=%s, `config.name`=%s, layers in order:\n"
                  % (cfg["class_name"], cfg["config"].get("name")))
    chunks.append("```")

    def walk(c, depth):
        for l in c["config"]["layers"]:
            chunks.append("%s%s  %s" % ("  " * depth, l["class_name"], l["config"].get("name")))
            if l["class_name"] in ("Functional", "Sequential", "Model"):
                walk(l, depth + 1)
    walk(cfg, 0)
    chunks.append("```\n")
    LAYOUT.append("\n".join(chunks))
    with h5py.File(io.BytesIO(weights), "r") as f:
        h5_listing(f, title + " — model.weights.h5 inside the zip")


def sizes(folder):
    out = []
    for root, _, files in os.walk(folder):
        for fn in sorted(files):
            p = os.path.join(root, fn)
            out.append((os.path.relpath(p, HERE), os.path.getsize(p)))
    return out


def print_summary(title, folder, ref):
    print("=" * 78)
    print(title)
    for p, s in sizes(folder):
        print("  %-44s %10d bytes" % (p, s))
    probs = np.array(ref["probabilities"])
    top = int(probs.argmax())
    labels = ref.get("labels")
    print("  top class %d (%s) p=%.6f   logits %s" % (
        top, labels[top] if isinstance(labels, list) else "-", probs[top],
        ref["logits"] if len(ref["logits"]) < 2 else "std %.4f" % np.std(ref["logits"])))
    for h in ref["hidden"]:
        print("  %-16s %-16s max_abs %.6g" % (h["name"], str(tuple(h["shape"])), h["max_abs"]))
    print("  gradcam on %s, class %d, map %s" % (ref["gradcam"]["layer"], ref["gradcam"]["class"],
                                                  tuple(ref["gradcam"]["shape"])))


# ------------------------------------------------------------------------------------------ keras

def import_keras():
    import tensorflow as tf
    import keras
    tf.config.experimental.enable_op_determinism()
    return tf, keras


def keras_gradcam(tf, A, head, cls, sigmoid=False):
    """A: (1, H, W, C) value of the last conv output; head(A) -> pre-activation logits (1, n)."""
    A = tf.constant(A)
    with tf.GradientTape() as tape:
        tape.watch(A)
        z = head(A)
        if sigmoid:
            score = z[0, 0] if cls == 1 else -z[0, 0]
        else:
            score = z[0, cls]
    g = tape.gradient(score, A)
    return cam_from(A.numpy()[0], g.numpy()[0])


def dense_logits(tf, layer, x):
    return tf.matmul(x, layer.kernel) + layer.bias


VGG19_WIDTHS = [8, 16, 32, 32, 32]
VGG19_CONVS = [2, 2, 4, 4, 4]
VGG16_CONVS = [2, 2, 3, 3, 3]


def vgg_block_names(convs):
    names = []
    for b, n in enumerate(convs, start=1):
        for c in range(1, n + 1):
            names.append(("conv", "block%d_conv%d" % (b, c), b - 1))
        names.append(("pool", "block%d_pool" % b, b - 1))
    return names


def vgg_conv_weights(model_id, convs, widths, cin=3):
    """He-normal kernels (HWIO), small non-zero biases."""
    out = {}
    for i, (kind, name, b) in enumerate(vgg_block_names(convs)):
        if kind != "conv":
            continue
        cout = widths[b]
        r = rng_for(model_id, i)
        k = r.normal(0.0, np.sqrt(2.0 / (9 * cin)), size=(3, 3, cin, cout)).astype(np.float32)
        bias = r.normal(0.0, 0.05, size=(cout,)).astype(np.float32)
        out[name] = (k, bias)
        cin = cout
    return out


def vgg_keras_layers(keras, x, convs, widths):
    L = keras.layers
    for kind, name, b in vgg_block_names(convs):
        if kind == "conv":
            x = L.Conv2D(widths[b], 3, padding="same", activation="relu", name=name)(x)
        else:
            x = L.MaxPooling2D(2, strides=2, name=name)(x)
    return x


def write_legacy_weights_h5(path, layers):
    """layers: list of (layer_name, [(weight_name, array), ...]) in model order. Mirrors Keras 2
    `save_weights_to_hdf5_group`: root attrs layer_names/backend/keras_version, one group per layer
    with attr weight_names, each dataset at <layer>/<weight_name> (names like block1_conv1_W_1:0,
    as in the official keras applications files)."""
    with h5py.File(path, "w", track_order=False) as f:
        f.attrs["layer_names"] = np.array([n.encode() for n, _ in layers])
        f.attrs["backend"] = np.bytes_(b"tensorflow")
        f.attrs["keras_version"] = np.bytes_(b"2.0.8")
        for name, ws in layers:
            g = f.create_group(name)
            g.attrs["weight_names"] = np.array([w.encode() for w, _ in ws]) if ws else np.array([])
            for wname, arr in ws:
                g.create_dataset(wname, data=np.ascontiguousarray(arr, dtype="<f4"))


def make_vgg19(tf, keras):
    folder = os.path.join(HERE, "vgg19_keras")
    os.makedirs(folder, exist_ok=True)
    model_id = 19
    px = load_pixels(224, 224)
    save_input(folder, px)
    x = caffe(px)[None]
    ref_pp = keras.applications.vgg19.preprocess_input(px[None].copy())
    assert np.array_equal(np.asarray(ref_pp), x)

    keras.backend.clear_session()
    inp = keras.Input((224, 224, 3), name="input_1")
    feat = vgg_keras_layers(keras, inp, VGG19_CONVS, VGG19_WIDTHS)
    y = keras.layers.Flatten(name="flatten")(feat)
    y = keras.layers.Dense(64, activation="relu", name="fc1")(y)
    y = keras.layers.Dense(64, activation="relu", name="fc2")(y)
    y = keras.layers.Dense(1000, activation="softmax", name="predictions")(y)
    model = keras.Model(inp, y, name="vgg19")

    convw = vgg_conv_weights(model_id, VGG19_CONVS, VGG19_WIDTHS)
    for name, (k, b) in convw.items():
        model.get_layer(name).set_weights([k, b])
    r = rng_for(model_id, 500)
    n_flat = 7 * 7 * VGG19_WIDTHS[-1]
    dense = {
        "fc1": (r.normal(0, np.sqrt(2.0 / n_flat), (n_flat, 64)).astype(np.float32),
                r.normal(0, 0.05, (64,)).astype(np.float32)),
        "fc2": (r.normal(0, np.sqrt(2.0 / 64), (64, 64)).astype(np.float32),
                r.normal(0, 0.05, (64,)).astype(np.float32)),
        "predictions": (r.normal(0, np.sqrt(1.0 / 64), (64, 1000)).astype(np.float32),
                        r.normal(0, 0.05, (1000,)).astype(np.float32)),
    }
    # fc1 sees activations whose scale follows the caffe-range input: rescale fc1 so its
    # pre-activation std is ~2, then the predictions kernel so logits std is ~3.
    pre_fc = keras.Model(inp, model.get_layer("flatten").output)(x).numpy()
    s = np.std(pre_fc @ dense["fc1"][0])
    dense["fc1"] = ((dense["fc1"][0] * np.float32(2.0 / s)).astype(np.float32), dense["fc1"][1])
    for name in ("fc1", "fc2"):
        model.get_layer(name).set_weights(list(dense[name]))
    h2 = keras.Model(inp, model.get_layer("fc2").output)(x).numpy()
    s = np.std(h2 @ dense["predictions"][0])
    dense["predictions"] = ((dense["predictions"][0] * np.float32(3.0 / s)).astype(np.float32),
                            dense["predictions"][1])
    model.get_layer("predictions").set_weights(list(dense["predictions"]))

    # --- files: full and notop, official layout
    def w(name, k, b):
        return (name, [(name + "_W_1:0", k), (name + "_b_1:0", b)])
    full_layers, notop_layers = [("input_1", [])], [("input_1", [])]
    for kind, name, _ in vgg_block_names(VGG19_CONVS):
        entry = w(name, *convw[name]) if kind == "conv" else (name, [])
        full_layers.append(entry)
        notop_layers.append(entry)
    full_layers.append(("flatten", []))
    for name in ("fc1", "fc2", "predictions"):
        full_layers.append(w(name, *dense[name]))
    full_path = os.path.join(folder, "vgg19_weights_tf_dim_ordering_tf_kernels.h5")
    notop_path = os.path.join(folder, "vgg19_notop.h5")
    write_legacy_weights_h5(full_path, full_layers)
    write_legacy_weights_h5(notop_path, notop_layers)

    # --- check Keras itself can load the file into the same architecture
    check = keras.models.clone_model(model)
    check.load_weights(full_path)
    assert np.array_equal(check(x).numpy(), model(x).numpy())

    # --- reference
    names = [n for _, n, _ in vgg_block_names(VGG19_CONVS)]
    outs = keras.Model(inp, [model.get_layer(n).output for n in names])(x)
    hidden = [hidden_entry(n, o.numpy()[0], model_id, i) for i, (n, o) in enumerate(zip(names, outs))]
    fc2 = keras.Model(inp, model.get_layer("fc2").output)(x)
    logits = dense_logits(tf, model.get_layer("predictions"), fc2).numpy()[0]
    probs = model(x).numpy()[0]
    assert np.allclose(probs, softmax64(logits), atol=1e-6)
    top = int(np.argmax(probs))
    assert probs[top] > 0.01 and np.std(logits) > 1

    def head(A):
        t = model.get_layer("block5_pool")(A)
        t = model.get_layer("flatten")(t)
        t = model.get_layer("fc1")(t)
        t = model.get_layer("fc2")(t)
        return dense_logits(tf, model.get_layer("predictions"), t)
    A = outs[names.index("block5_conv4")].numpy()
    cam = keras_gradcam(tf, A, head, top)

    ref = {
        "model_file": os.path.basename(full_path),
        "notop_file": os.path.basename(notop_path),
        "framework": "keras %s (tensorflow %s)" % (keras.__version__, tf.__version__),
        "input": "input.npy", "input_size": [224, 224], "preprocess": "caffe",
        "labels": "imagenet",
        "hidden": hidden,
        "logits": f32list(logits),
        "probabilities": f32list(probs),
        "gradcam": {"layer": "block5_conv4", "class": top, "score": "logit",
                    "shape": list(cam.shape), "map": f32list(cam)},
    }
    write_json(os.path.join(folder, "reference.json"), ref)
    h5_listing(full_path, "vgg19_keras/vgg19_weights_tf_dim_ordering_tf_kernels.h5 (legacy Keras 2 weights file)")
    h5_listing(notop_path, "vgg19_keras/vgg19_notop.h5")
    print_summary("vgg19_keras", folder, ref)
    return ref


def make_chollet(tf, keras):
    folder = os.path.join(HERE, "chollet_convnet")
    os.makedirs(folder, exist_ok=True)
    model_id = 8
    px = load_pixels(180, 180)
    save_input(folder, px)
    x = px[None]

    keras.backend.clear_session()
    keras.utils.set_random_seed(SEED)
    L = keras.layers
    inputs = keras.Input(shape=(180, 180, 3), name="input_layer")
    t = L.Rescaling(1.0 / 255, name="rescaling")(inputs)
    conv_names, pool_names = [], []
    for i, f in enumerate([32, 64, 128, 256, 256]):
        cn = "conv2d" if i == 0 else "conv2d_%d" % i
        t = L.Conv2D(filters=f, kernel_size=3, activation="relu", name=cn)(t)
        conv_names.append(cn)
        if i < 4:
            pn = "max_pooling2d" if i == 0 else "max_pooling2d_%d" % i
            t = L.MaxPooling2D(pool_size=2, name=pn)(t)
            pool_names.append(pn)
    t = L.Flatten(name="flatten")(t)
    t = L.Dropout(0.5, name="dropout")(t)
    outputs = L.Dense(1, activation="sigmoid", name="dense")(t)
    model = keras.Model(inputs=inputs, outputs=outputs, name="functional")

    # Keras initialises biases to zero; give the convs small seeded biases so they are exercised.
    r = rng_for(model_id, 0)
    for cn in conv_names:
        k, b = model.get_layer(cn).get_weights()
        model.get_layer(cn).set_weights([k, r.normal(0, 0.02, b.shape).astype(np.float32)])
    names = []
    for i in range(5):
        names.append(conv_names[i])
        if i < 4:
            names.append(pool_names[i])
    flat = keras.Model(inputs, model.get_layer("flatten").output)(x)
    dl = model.get_layer("dense")
    z = dense_logits(tf, dl, flat).numpy()[0, 0]
    p = 1 / (1 + np.exp(-z))
    if not (0.5 < abs(z) < 2.9):  # neither saturated nor a coin flip: move the bias so z = 0.85
        k, b = dl.get_weights()
        dl.set_weights([k, (b + np.float32(0.85 - z)).astype(np.float32)])
    model.compile(optimizer="rmsprop", loss="binary_crossentropy", metrics=["accuracy"])

    path = os.path.join(folder, "model.keras")
    model.save(path)
    normalize_keras_zip(path)
    with open(os.path.join(folder, "model.labels.txt"), "w") as fh:
        fh.write("cat\ndog\n")
    loaded = keras.models.load_model(path)
    assert np.array_equal(loaded(x).numpy(), model(x).numpy())

    outs = keras.Model(inputs, [model.get_layer(n).output for n in names])(x)
    hidden = [hidden_entry(n, o.numpy()[0], model_id, i) for i, (n, o) in enumerate(zip(names, outs))]
    flat = keras.Model(inputs, model.get_layer("flatten").output)(x)
    z = dense_logits(tf, dl, flat).numpy()[0]
    p = model(x).numpy()[0, 0]
    assert 0.05 < p < 0.95, p
    cls = 1 if p >= 0.5 else 0

    def head(A):
        t = model.get_layer("flatten")(A)
        return dense_logits(tf, dl, t)
    A = outs[names.index(conv_names[-1])].numpy()
    cam = keras_gradcam(tf, A, head, cls, sigmoid=True)
    ref = {
        "model_file": "model.keras",
        "labels_file": "model.labels.txt",
        "framework": "keras %s (tensorflow %s)" % (keras.__version__, tf.__version__),
        "input": "input.npy", "input_size": [180, 180], "preprocess": "none",
        "hidden": hidden,
        "logits": f32list(z),
        "probabilities": f32list([1 - p, p]),
        "gradcam": {"layer": conv_names[-1], "class": cls, "score": "logit" if cls == 1 else "-logit",
                    "shape": list(cam.shape), "map": f32list(cam)},
    }
    write_json(os.path.join(folder, "reference.json"), ref)
    keras_zip_listing(path, "chollet_convnet/model.keras (Keras 3 native zip)")
    print_summary("chollet_convnet", folder, dict(ref, labels=["cat", "dog"]))
    return ref


def build_vgg16_finetuned(keras, model_id):
    L = keras.layers
    base_in = keras.Input((128, 160, 3), name="input_layer")
    base_out = vgg_keras_layers(keras, base_in, VGG16_CONVS, VGG19_WIDTHS)
    base = keras.Model(base_in, base_out, name="vgg16")
    for name, (k, b) in vgg_conv_weights(model_id, VGG16_CONVS, VGG19_WIDTHS).items():
        base.get_layer(name).set_weights([k, b])
    inputs = keras.Input((128, 160, 3), name="input_layer_1")
    t = base(inputs)
    # Head layer names deliberately differ from Keras's class-based weight paths in .keras files
    # (layers/global_average_pooling2d, layers/dense, layers/dense_1, ...).
    t = L.GlobalAveragePooling2D(name="gap")(t)
    t = L.Dense(64, activation="relu", name="fc")(t)
    t = L.Dropout(0.3, name="fc_dropout")(t)
    t = L.BatchNormalization(epsilon=0.001, name="fc_bn")(t)
    outputs = L.Dense(5, activation="softmax", name="predictions")(t)
    return base, keras.Model(inputs, outputs, name="flowers")


def make_vgg16_finetuned(tf, keras):
    import onnx
    import onnxruntime as ort
    import tf2onnx
    folder = os.path.join(HERE, "vgg16_finetuned")
    os.makedirs(folder, exist_ok=True)
    model_id = 16
    labels = ["daisy", "dandelion", "rose", "sunflower", "tulip"]
    px = load_pixels(128, 160)
    save_input(folder, px)
    x = caffe(px)[None]
    assert np.array_equal(np.asarray(keras.applications.vgg16.preprocess_input(px[None].copy())), x)

    keras.backend.clear_session()
    keras.utils.set_random_seed(SEED + model_id)
    base, model = build_vgg16_finetuned(keras, model_id)
    r = rng_for(model_id, 500)
    d1, bn, d2 = model.get_layer("fc"), model.get_layer("fc_bn"), model.get_layer("predictions")
    gap = keras.Model(model.input, model.get_layer("gap").output)(x).numpy()
    k1 = r.normal(0, np.sqrt(2.0 / gap.shape[1]), (gap.shape[1], 64)).astype(np.float32)
    k1 = (k1 * np.float32(1.0 / np.std(gap @ k1))).astype(np.float32)  # pre-activation std ~1
    d1.set_weights([k1, r.normal(0, 0.1, (64,)).astype(np.float32)])
    h = np.maximum(gap @ k1 + d1.get_weights()[1], 0)[0]
    scale = np.float32(max(float(h.mean()), 1e-3))
    gamma = r.uniform(0.5, 1.5, 64).astype(np.float32)
    beta = r.normal(0, 0.3, 64).astype(np.float32)
    mean = (r.uniform(0.0, 1.5, 64) * scale).astype(np.float32)
    var = (r.uniform(0.3, 2.0, 64) * scale * scale).astype(np.float32)
    bn.set_weights([gamma, beta, mean, var])
    hb = (h - mean) / np.sqrt(var + np.float32(0.001)) * gamma + beta
    k2 = r.normal(0, np.sqrt(1.0 / 64), (64, 5)).astype(np.float32)
    k2 = (k2 * np.float32(1.5 / np.std(hb @ k2))).astype(np.float32)  # logits std ~1.5
    d2.set_weights([k2, r.normal(0, 0.1, (5,)).astype(np.float32)])
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    model.optimizer.build(model.trainable_variables)  # saved files carry Adam slots, as trained ones do

    keras_path = os.path.join(folder, "model.keras")
    h5_path = os.path.join(folder, "model.h5")
    onnx_path = os.path.join(folder, "model.onnx")
    model.save(keras_path)
    normalize_keras_zip(keras_path)
    model.save(h5_path)  # Keras 3 writes the legacy full-model HDF5 for a .h5 name
    with h5py.File(h5_path, "r") as f:
        assert "model_config" in f.attrs and "model_weights" in f
    with open(os.path.join(folder, "labels.txt"), "w") as fh:
        fh.write("\n".join(labels) + "\n")
    probs = model(x).numpy()[0]
    for p in (keras_path, h5_path):
        assert np.allclose(keras.models.load_model(p)(x).numpy()[0], probs, atol=1e-6), p

    # --- reference (Keras)
    names = [n for _, n, _ in vgg_block_names(VGG16_CONVS)]
    outs = keras.Model(base.input, [base.get_layer(n).output for n in names])(x)
    hidden = [hidden_entry(n, o.numpy()[0], model_id, i) for i, (n, o) in enumerate(zip(names, outs))]

    def tail(t):
        t = model.get_layer("gap")(t)
        t = d1(t)
        t = model.get_layer("fc_dropout")(t, training=False)
        t = bn(t, training=False)
        return dense_logits(tf, d2, t)
    logits = tail(base(x)).numpy()[0]
    assert np.allclose(softmax64(logits), probs, atol=1e-6)
    top = int(np.argmax(probs))
    assert 0.3 < probs[top] < 0.99, probs
    # BN statistics must matter: the same net with an identity BN gives other probabilities
    plain = tf.nn.softmax(dense_logits(tf, d2, d1(model.get_layer("gap")(base(x))))).numpy()[0]
    assert np.abs(plain - probs).max() > 0.05

    def head(A):
        return tail(base.get_layer("block5_pool")(A))
    A = outs[names.index("block5_conv3")].numpy()
    cam = keras_gradcam(tf, A, head, top)

    # --- ONNX (tf2onnx) and ONNX Runtime
    spec = (tf.TensorSpec((None, 128, 160, 3), tf.float32, name="input"),)
    try:
        proto, _ = tf2onnx.convert.from_keras(model, input_signature=spec, opset=17)
        how = "tf2onnx.convert.from_keras"
    except Exception as e:  # Keras 3 models are not always accepted by from_keras
        print("  from_keras failed (%s: %s); using from_function" % (type(e).__name__, str(e)[:120]))

        @tf.function(input_signature=spec)
        def serve(inp):
            return model(inp, training=False)
        proto, _ = tf2onnx.convert.from_function(serve, input_signature=spec, opset=17)
        how = "tf2onnx.convert.from_function(tf.function(model))"
    proto.producer_version = tf2onnx.__version__
    onnx.checker.check_model(proto)
    with open(onnx_path, "wb") as fh:
        fh.write(proto.SerializeToString())
    onnx_ref = onnx_numbers(onnx, ort, proto, x, names, outs, logits, probs)
    onnx_ref["exported_with"] = "%s, tf2onnx %s, opset 17" % (how, tf2onnx.__version__)

    ref = {
        "model_file": "model.keras",
        "h5_file": "model.h5",
        "onnx_file": "model.onnx",
        "labels_file": "labels.txt",
        "framework": "keras %s (tensorflow %s)" % (keras.__version__, tf.__version__),
        "input": "input.npy", "input_size": [128, 160], "preprocess": "caffe",
        "hidden": hidden,
        "logits": f32list(logits),
        "probabilities": f32list(probs),
        "gradcam": {"layer": "block5_conv3", "class": top, "score": "logit",
                    "shape": list(cam.shape), "map": f32list(cam)},
        "onnxruntime": onnx_ref,
    }
    write_json(os.path.join(folder, "reference.json"), ref)
    keras_zip_listing(keras_path, "vgg16_finetuned/model.keras (Keras 3 native zip, nested base model)")
    h5_listing(h5_path, "vgg16_finetuned/model.h5 (legacy full-model HDF5 written by Keras 3)")
    onnx_listing(proto, "vgg16_finetuned/model.onnx")
    print_summary("vgg16_finetuned", folder, dict(ref, labels=labels))
    print("  onnxruntime vs keras: max |dprob| %.3g, max |dlogit| %.3g, max |dhidden| %.3g" % (
        onnx_ref["max_abs_diff_probabilities"], onnx_ref["max_abs_diff_logits"],
        onnx_ref["max_abs_diff_hidden"]))
    return ref


def onnx_numbers(onnx, ort, proto, x, names, outs, logits, probs):
    """Run the exported graph in ONNX Runtime with extra outputs for each hidden layer and the
    softmax's input; compare against Keras."""
    g = proto.graph
    softmax = [n for n in g.node if n.op_type == "Softmax"]
    assert len(softmax) == 1
    logit_t = softmax[0].input[0]
    hidden_t = {}
    for name in names:
        want = "Relu" if "conv" in name else "MaxPool"
        cands = [n for n in g.node if n.op_type == want and ("/%s/" % name in n.name or n.name.split("/")[-2:-1] == [name] or name in n.name)]
        assert cands, (name, want)
        hidden_t[name] = cands[-1].output[0]
    m2 = onnx.ModelProto()
    m2.CopyFrom(proto)
    existing = {o.name for o in m2.graph.output}
    for t in [logit_t] + list(hidden_t.values()):
        if t not in existing:
            m2.graph.output.append(onnx.helper.make_tensor_value_info(t, onnx.TensorProto.FLOAT, None))
    sess = ort.InferenceSession(m2.SerializeToString(), providers=["CPUExecutionProvider"])
    out_names = [o.name for o in sess.get_outputs()]
    res = dict(zip(out_names, sess.run(None, {sess.get_inputs()[0].name: x})))
    o_probs = res[proto.graph.output[0].name][0]
    o_logits = res[logit_t][0]
    dh = 0.0
    layouts = {}
    for name, o in zip(names, outs):
        a = res[hidden_t[name]]
        k = o.numpy()
        if a.shape != k.shape:
            a = a.transpose(0, 2, 3, 1)
            layouts[name] = "NCHW"
        else:
            layouts[name] = "NHWC"
        assert a.shape == k.shape, (name, a.shape, k.shape)
        dh = max(dh, float(np.abs(a - k).max() / max(1.0, np.abs(k).max())))
    return {
        "input_name": proto.graph.input[0].name,
        "output_name": proto.graph.output[0].name,
        "logits_tensor": logit_t,
        "hidden_tensors": {n: hidden_t[n] for n in names},
        "hidden_tensor_layout": layouts,
        "logits": f32list(o_logits),
        "probabilities": f32list(o_probs),
        "max_abs_diff_logits": f32(np.abs(o_logits - logits).max()),
        "max_abs_diff_probabilities": f32(np.abs(o_probs - probs).max()),
        "max_abs_diff_hidden": f32(dh),
        "max_abs_diff_hidden_note": "max over hidden layers of max|ort - keras| / max(1, max|keras|)",
    }


def onnx_listing(proto, title):
    g = proto.graph
    lines = ["## %s\n" % title,
             "opset %s, producer %s %s; input `%s` %s, output `%s`; %d initializers, %d nodes:\n" % (
                 ",".join("%s:%d" % (o.domain or "ai.onnx", o.version) for o in proto.opset_import),
                 proto.producer_name, proto.producer_version, g.input[0].name,
                 [d.dim_param or d.dim_value for d in g.input[0].type.tensor_type.shape.dim],
                 g.output[0].name, len(g.initializer), len(g.node)), "```"]
    for n in g.node:
        lines.append("%-12s %s" % (n.op_type, n.name))
    lines.append("```\n")
    LAYOUT.append("\n".join(lines))


# ------------------------------------------------------------------------------------------ torch

VGG11_CFG = [8, "M", 16, "M", 32, 32, "M", 64, 64, "M", 64, 64, "M"]


def make_vgg11_bn(torch):
    import torch.nn as nn
    from safetensors.torch import save_file, load_file
    folder = os.path.join(HERE, "vgg11_bn_torch")
    os.makedirs(folder, exist_ok=True)
    model_id = 11
    torch.manual_seed(SEED)
    torch.use_deterministic_algorithms(True)

    try:
        from torchvision.models.vgg import make_layers
        features = make_layers(VGG11_CFG, batch_norm=True)
        built_with = "torchvision.models.vgg.make_layers(cfg, batch_norm=True)"
    except Exception:
        layers, cin = [], 3
        for v in VGG11_CFG:
            if v == "M":
                layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
            else:
                layers += [nn.Conv2d(cin, v, kernel_size=3, padding=1), nn.BatchNorm2d(v), nn.ReLU(inplace=True)]
                cin = v
        features = nn.Sequential(*layers)
        built_with = "torch.nn, same module indices as torchvision make_layers"

    class VGG(nn.Module):
        def __init__(self):
            super().__init__()
            self.features = features
            self.avgpool = nn.AdaptiveAvgPool2d((7, 7))
            self.classifier = nn.Sequential(
                nn.Linear(64 * 7 * 7, 64), nn.ReLU(True), nn.Dropout(p=0.5),
                nn.Linear(64, 64), nn.ReLU(True), nn.Dropout(p=0.5),
                nn.Linear(64, 10))

        def forward(self, x):
            x = self.features(x)
            x = self.avgpool(x)
            x = torch.flatten(x, 1)
            return self.classifier(x)

    model = VGG().eval()
    px = load_pixels(224, 224)
    save_input(folder, px)
    x = torch.from_numpy(torch_norm(px).transpose(2, 0, 1)[None].copy())

    # Init like torchvision (kaiming fan_out conv), but with non-zero biases and BN statistics
    # calibrated on this image then perturbed, so running_mean/var/weight/bias all matter.
    r = rng_for(model_id, 0)
    with torch.no_grad():
        t = x
        for i, m in enumerate(model.features):
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
                m.bias.copy_(torch.from_numpy(r.normal(0, 0.05, m.bias.shape).astype(np.float32)))
            elif isinstance(m, nn.BatchNorm2d):
                mu = t.mean(dim=(0, 2, 3)).numpy()
                sd = t.std(dim=(0, 2, 3)).numpy()
                c = mu.shape[0]
                m.running_mean.copy_(torch.from_numpy((mu + r.normal(0, 0.3, c) * sd).astype(np.float32)))
                m.running_var.copy_(torch.from_numpy(((sd * r.uniform(0.6, 1.5, c)) ** 2).astype(np.float32)))
                m.weight.copy_(torch.from_numpy(r.uniform(0.5, 1.5, c).astype(np.float32)))
                m.bias.copy_(torch.from_numpy(r.normal(0, 0.2, c).astype(np.float32)))
                m.num_batches_tracked.fill_(1000 + i)
            t = m(t)
        flat = torch.flatten(model.avgpool(t), 1)
        for j in (0, 3, 6):
            lin = model.classifier[j]
            w = torch.from_numpy(r.normal(0, np.sqrt(2.0 / lin.in_features), tuple(lin.weight.shape)).astype(np.float32))
            lin.bias.copy_(torch.from_numpy(r.normal(0, 0.05, lin.bias.shape).astype(np.float32)))
            pre = flat @ w.T
            target = 2.0 if j == 6 else 1.5
            lin.weight.copy_(w * (target / float(pre.std())))
            flat = model.classifier[j](flat)
            if j != 6:
                flat = torch.relu(flat)

    sd = {k: v.detach().contiguous() for k, v in model.state_dict().items()}
    path = os.path.join(folder, "model.safetensors")
    save_file(sd, path, metadata={"format": "pt"})
    back = load_file(path)
    assert list(back.keys()) == sorted(sd.keys()) or set(back.keys()) == set(sd.keys())
    assert all(torch.equal(back[k], sd[k]) for k in sd)

    # --- reference
    names, hidden_t = [], []
    t = x
    A = None
    mods = list(model.features)
    conv_at = None
    for i, m in enumerate(mods):
        t = m(t)
        if isinstance(m, nn.Conv2d):
            conv_at = i
        if isinstance(m, nn.ReLU):
            names.append("features.%d" % conv_at)
            if conv_at == max(j for j, mm in enumerate(mods) if isinstance(mm, nn.Conv2d)):
                t.retain_grad()
                A = t
            hidden_t.append(t)
        elif isinstance(m, nn.MaxPool2d):
            names.append("features.%d" % i)
            hidden_t.append(t)
    z = model.classifier(torch.flatten(model.avgpool(t), 1))
    with torch.no_grad():
        assert torch.allclose(model(x), z)
    logits = z.detach().numpy()[0]
    probs = torch.softmax(z, 1).detach().numpy()[0]
    top = int(np.argmax(probs))
    z[0, top].backward()
    cam = cam_from(A.detach().numpy()[0].transpose(1, 2, 0), A.grad.numpy()[0].transpose(1, 2, 0))
    hidden = [hidden_entry(n, h.detach().numpy()[0].transpose(1, 2, 0), model_id, i)
              for i, (n, h) in enumerate(zip(names, hidden_t))]
    last_conv = "features.%d" % max(j for j, mm in enumerate(mods) if isinstance(mm, nn.Conv2d))
    ref = {
        "model_file": "model.safetensors",
        "framework": "torch %s; features built with %s" % (torch.__version__, built_with),
        "architecture": {"cfg": VGG11_CFG, "batch_norm": True, "bn_eps": 1e-5,
                         "avgpool": [7, 7], "classifier": [64 * 7 * 7, 64, 64, 10],
                         "flatten_order": "CHW (torch.flatten of NCHW)"},
        "input": "input.npy", "input_size": [224, 224], "preprocess": "torch",
        "hidden": hidden,
        "logits": f32list(logits),
        "probabilities": f32list(probs),
        "gradcam": {"layer": last_conv, "class": top, "score": "logit",
                    "shape": list(cam.shape), "map": f32list(cam)},
    }
    write_json(os.path.join(folder, "reference.json"), ref)
    LAYOUT.append("## vgg11_bn_torch/model.safetensors\n\nmetadata `{\"format\": \"pt\"}`; tensors:\n\n```\n%s\n```\n" % "\n".join(
        "%-34s %-6s %s" % (k, str(v.dtype).replace("torch.", ""), tuple(v.shape)) for k, v in sd.items()))
    print_summary("vgg11_bn_torch", folder, ref)
    return ref


# ---------------------------------------------------------------------------------- refusal files

def make_refusals(tf, keras):
    import onnx
    from onnx import helper, TensorProto, numpy_helper
    folder = os.path.join(HERE, "refuse")
    os.makedirs(folder, exist_ok=True)
    r = rng_for(99, 0)

    # ONNX: x -> Conv -> Relu -> Add(x, relu) named add_1
    w = numpy_helper.from_array(r.normal(0, 0.3, (3, 3, 3, 3)).astype(np.float32), "conv1.weight")
    b = numpy_helper.from_array(r.normal(0, 0.05, (3,)).astype(np.float32), "conv1.bias")
    nodes = [
        helper.make_node("Conv", ["input", "conv1.weight", "conv1.bias"], ["conv1_out"], name="conv1",
                         kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["conv1_out"], ["relu1_out"], name="relu1"),
        helper.make_node("Add", ["input", "relu1_out"], ["output"], name="add_1"),
    ]
    graph = helper.make_graph(
        nodes, "resnet_block",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 3, 16, 16])],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, [1, 3, 16, 16])],
        initializer=[w, b])
    m = helper.make_model(graph, producer_name="ConvScope make_models.py",
                          opset_imports=[helper.make_opsetid("", 13)])
    m.ir_version = 8
    onnx.checker.check_model(m)
    onnx.save(m, os.path.join(folder, "resnet_block.onnx"))
    import onnxruntime as ort
    xin = r.normal(0, 1, (1, 3, 16, 16)).astype(np.float32)
    sess = ort.InferenceSession(m.SerializeToString(), providers=["CPUExecutionProvider"])
    assert np.all(sess.run(None, {"input": xin})[0] >= xin - 1e-6)  # x + relu(conv(x))

    L = keras.layers
    keras.backend.clear_session()
    keras.utils.set_random_seed(SEED + 99)
    inp = keras.Input((16, 16, 3), name="input_layer")
    c = L.Conv2D(3, 3, padding="same", activation="relu", name="conv2d")(inp)
    a = L.Add(name="add_1")([inp, c])
    t = L.GlobalAveragePooling2D(name="global_average_pooling2d")(a)
    out = L.Dense(2, activation="softmax", name="dense")(t)
    p = os.path.join(folder, "resnet_block.keras")
    keras.Model(inp, out, name="resnet_block").save(p)
    normalize_keras_zip(p)
    assert keras.models.load_model(p).get_layer("add_1").__class__.__name__ == "Add"

    keras.backend.clear_session()
    keras.utils.set_random_seed(SEED + 98)
    inp = keras.Input((16, 16, 3), name="input_layer")
    c = L.Conv2D(4, 3, padding="same", activation="relu", name="conv2d")(inp)
    lam = L.Lambda(lambda v: v * 2.0, name="lambda_1")(c)
    t = L.GlobalAveragePooling2D(name="global_average_pooling2d")(lam)
    out = L.Dense(2, activation="softmax", name="dense")(t)
    p = os.path.join(folder, "lambda.keras")
    keras.Model(inp, out, name="with_lambda").save(p)
    normalize_keras_zip(p)
    assert keras.models.load_model(p, safe_mode=False).get_layer("lambda_1").__class__.__name__ == "Lambda"
    with zipfile.ZipFile(p) as z:
        cfg = json.loads(z.read("config.json"))
    assert any(l["class_name"] == "Lambda" and l["config"]["name"] == "lambda_1" for l in cfg["config"]["layers"])

    with open(os.path.join(folder, "bad_labels.txt"), "w") as fh:
        fh.write("daisy\ndandelion\nrose\n")
    print("=" * 78)
    print("refuse")
    for q, s in sizes(folder):
        print("  %-44s %10d bytes" % (q, s))


# ------------------------------------------------------------------------------------------- main

def run_torch_part(layout_out):
    import torch
    torch.set_num_threads(1)
    make_vgg11_bn(torch)
    with open(layout_out, "w") as fh:
        json.dump(LAYOUT, fh)


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--torch-part":
        run_torch_part(sys.argv[2])
        return
    # PyTorch and TensorFlow clash when loaded into one process (LLVM option registered twice),
    # so the torch model is made by a child process first.
    import subprocess
    import tempfile
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "layout.json")
        subprocess.run([sys.executable, os.path.abspath(__file__), "--torch-part", out], check=True)
        with open(out) as fh:
            torch_layout = json.load(fh)
    tf, keras = import_keras()
    print("keras %s, tensorflow %s, numpy %s, h5py %s" % (
        keras.__version__, tf.__version__, np.__version__, h5py.__version__))
    make_vgg19(tf, keras)
    make_chollet(tf, keras)
    make_vgg16_finetuned(tf, keras)
    LAYOUT.extend(torch_layout)
    make_refusals(tf, keras)
    with open(os.path.join(HERE, "LAYOUT.md"), "w") as fh:
        fh.write("# Layout of the files in Tests/Models\n\n"
                 "Generated by `make_models.py` (h5py `visititems` listings; `@name` = attribute).\n"
                 "Long name lists are cut after six entries.\n\n")
        fh.write("\n".join(LAYOUT))
    print("=" * 78)
    paths = []
    for root, dirs, files in os.walk(HERE):
        dirs[:] = [d for d in dirs if d != "__pycache__"]
        paths += [os.path.join(root, fn) for fn in files]
    total = 0
    for p in sorted(paths):
        with open(p, "rb") as fh:
            data = fh.read()
        total += len(data)
        print("  %-52s %9d  sha256 %s" % (os.path.relpath(p, HERE), len(data), hashlib.sha256(data).hexdigest()[:16]))
    print("total size of Tests/Models: %d bytes" % total)


if __name__ == "__main__":
    main()
