#!/usr/bin/env python3
"""Times `convscope index` on a folder of about 100 photos: resized, cropped, flipped and rotated variants of the
photos in SOURCE, written to a scratch folder (JPEG and PNG). Each run starts with an empty cache (its own
XDG_CACHE_HOME), so every image goes through the network. Prints each run's figures, the load average before it,
and the medians. Needs Pillow. Run by hand, never in CI:

    swift build -c release --product convscope
    python3 Benchmarks/index_speed.py /work/shared/images --weights ~/.cache/convscope-peers/vgg16_full_synthetic.h5
"""
import argparse, json, os, shutil, statistics, subprocess, sys, tempfile, time

def make_photos(source, folder, scale_max):
    from PIL import Image
    names = sorted(f for f in os.listdir(source) if f.lower().endswith((".png", ".jpg", ".jpeg")))
    scales = [0.5, 0.6, 0.75, 0.9, 1.0, 1.1, 1.25, 1.5, 1.75, 2.0, 2.5, 3.0]
    scales = [s * scale_max / 3.0 for s in scales]
    count = 0
    for name in names:
        im = Image.open(os.path.join(source, name)).convert("RGB")
        for i, s in enumerate(scales):
            w, h = max(8, int(im.width * s)), max(8, int(im.height * s))
            r = im.resize((w, h), Image.BICUBIC)
            if i % 3 == 1: r = r.crop((0, 0, int(w * 0.8), h))
            if i % 3 == 2: r = r.transpose(Image.FLIP_LEFT_RIGHT)
            sub = os.path.join(folder, "sub%d" % (i % 3))
            os.makedirs(sub, exist_ok=True)
            stem = os.path.join(sub, "%s_%02d" % (os.path.splitext(name)[0], i))
            r.save(stem + (".jpg" if i % 2 == 0 else ".png"), quality=90)
            r.rotate(90, expand=True).save(stem + "_rot.jpg", quality=88)
            count += 2
    return count

def idle_fraction(seconds):
    """The share of all cores' time spent idle over the next `seconds` (from /proc/stat)."""
    def sample():
        with open("/proc/stat") as f:
            v = [int(x) for x in f.readline().split()[1:]]
        return v[3] + v[4], sum(v)
    i0, t0 = sample(); time.sleep(seconds); i1, t1 = sample()
    return (i1 - i0) / max(1, t1 - t0)

def wait_until_quiet(limit_minutes):
    """Waits until the cores are at least 90% idle for 5 s (other builders share this machine), up to a limit."""
    deadline = time.time() + 60 * limit_minutes
    while time.time() < deadline:
        if idle_fraction(5) >= 0.9:
            return True
    return False

def main():
    p = argparse.ArgumentParser()
    p.add_argument("source", help="a folder of photos to make the variants from")
    p.add_argument("--weights", required=True)
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--convscope", default=os.path.join(os.path.dirname(__file__), "..", ".build/release/convscope"))
    p.add_argument("--scale-max", type=float, default=3.0, help="largest variant, times the source photo")
    p.add_argument("--extra", nargs="*", default=[], help="more arguments for convscope index")
    p.add_argument("--wait-quiet", type=float, default=0, metavar="MINUTES",
                   help="before each run, wait up to MINUTES for the cores to be 90%% idle for 5 s")
    a = p.parse_args()
    work = tempfile.mkdtemp(prefix="convscope-index-speed-")
    try:
        photos = os.path.join(work, "photos")
        n = make_photos(a.source, photos, a.scale_max)
        print(f"{n} photos in {photos}")
        env = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")}
        rates, network, walls = [], [], []
        for run in range(a.runs):
            cache = os.path.join(work, "cache%d" % run)
            env["XDG_CACHE_HOME"] = cache
            quiet = wait_until_quiet(a.wait_quiet) if a.wait_quiet > 0 else None
            load = os.getloadavg()[0]
            t = time.time()
            r = subprocess.run([a.convscope, "index", photos, "--weights", a.weights, "--json"] + a.extra,
                               env=env, capture_output=True, text=True)
            wall = time.time() - t
            if r.returncode != 0:
                sys.exit(r.stderr)
            o = json.loads(r.stdout)
            rates.append(o["imagesPerSecond"]); network.append(o["networkImagesPerSecond"]); walls.append(wall)
            note = "" if quiet is None else " (quiet)" if quiet else " (never quiet)"
            print(f"run {run + 1}{note}: load {load:.2f} · {o['indexed']} images · {o['imagesPerSecond']:.1f} images/s "
                  f"(network and scan alone {o['networkImagesPerSecond']:.1f}/s) · command {wall:.1f} s")
            shutil.rmtree(cache, ignore_errors=True)
        print(f"median: {statistics.median(rates):.1f} images/s, network and scan alone "
              f"{statistics.median(network):.1f}/s, whole command {statistics.median(walls):.1f} s")
    finally:
        shutil.rmtree(work, ignore_errors=True)

if __name__ == "__main__":
    main()
