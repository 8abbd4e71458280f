#!/usr/bin/env python3
"""Soak the window: N random events (mouse moves, clicks, drags, the wheel, keys) sent with xdotool to
`convscope gui` under its own Xvfb, its memory sampled all along; prints events sent, peak and final RSS, and
whether the window is still alive and answering, and how often the heap was trimmed after a long job (the app's
"memory: heap trimmed" log lines) with the resident set each left.

    python3 Benchmarks/soak.py --weights FILE [--events 30000] [--size 1920x1080] [--seed 1] [--cold-cache]

The app runs with a fresh HOME (exports land there) and caches of its own, except that the model cache is the
user's, filled first if need be (--cold-cache: a fresh one, every start a miss); the top bar is
left out of clicks (Open… would wait on a file chooser that no one answers). Needs Xvfb and xdotool (Scripts/setup).
"""
import argparse
import os
import random
import subprocess
import sys
import tempfile
import threading
import time

from window_args import add_window_arguments, cache_home, status_kib

KEYS = ["Left", "Right", "Prior", "Next", "Escape", "Tab", "space", "Return", "Up", "Down", "Home", "End",
        "F1", "c", "f", "g", "h", "m", "l"]


def trim_lines(log_path):
    """(before, after) MiB of each "memory: heap trimmed" line the app logged (the engine idle after a long job)."""
    found = []
    try:
        with open(log_path, errors="replace") as f:
            for line in f:
                words = line.split()
                if line.startswith("memory: heap trimmed") and "→" in words:
                    i = words.index("→")
                    found.append((int(words[i - 1]), int(words[i + 1])))
    except OSError:
        pass
    return found


def report_peaks(samples, log_path, limit_mib, count=5, apart=10.0):
    """How many samples were over `limit_mib`, and the highest `count` peaks (at least `apart` seconds apart) with
    the app's last log lines before each: what the window was doing when its memory peaked."""
    over = sum(1 for _, r, _ in samples if r > limit_mib * 1024)
    print(f"samples over {limit_mib} MiB: {over} of {len(samples)}")
    try:
        with open(log_path, "rb") as f:
            text = f.read()
    except OSError:
        return
    peaks = []
    for t, r, logged in sorted(samples, key=lambda s: -s[1]):
        if len(peaks) == count:
            break
        if all(abs(t - p[0]) >= apart for p in peaks):
            peaks.append((t, r, logged))
    for t, r, logged in peaks:
        before = text[:logged].decode("utf-8", "replace").splitlines()[-4:]
        print(f"  {r / 1024:.0f} MiB at {t:.0f} s, after: " + " | ".join(line[:90] for line in before))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_window_arguments(ap)
    ap.add_argument("--events", type=int, default=30000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--display", default=":93")
    ap.add_argument("--limit-mib", type=int, default=954, help="the memory target (1.0 GB): samples over it counted")
    ap.add_argument("--cold-cache", action="store_true", help="a fresh model cache (every start a cache miss)")
    a = ap.parse_args()
    w, h = (int(v) for v in a.size.split("x"))
    rng = random.Random(a.seed)

    xvfb = subprocess.Popen(["Xvfb", a.display, "-screen", "0", f"{w}x{h}x24", "-nolisten", "tcp"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1)
    home = tempfile.mkdtemp(prefix="convscope-soak-")
    cache = cache_home(home, cold=a.cold_cache)  # the user's model cache unless --cold-cache, all else fresh
    env = dict(os.environ, DISPLAY=a.display, HOME=home, XDG_CONFIG_HOME=os.path.join(home, ".config"),
               XDG_DATA_HOME=os.path.join(home, ".local", "share"), XDG_CACHE_HOME=cache)
    env.pop("OPENBLAS_CORETYPE", None)
    env.pop("OPENBLAS_L2_SIZE", None)
    log_path = os.path.join(home, "app.log")
    log = open(log_path, "w")
    if not a.cold_cache:  # one start that fills the model cache for this binary, if it is not there yet
        try:
            subprocess.run([a.binary, "gui", "--weights", a.weights, "--exit-after-first-frame", a.image], env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=300)
        except (OSError, subprocess.TimeoutExpired) as e:
            xvfb.terminate()
            sys.exit("soak: the warm-up start failed: %s" % e)
    app = subprocess.Popen([a.binary, "gui", "--weights", a.weights, "--size", a.size, a.image], env=env,
                           stdout=log, stderr=subprocess.STDOUT)
    peak = {"rss": 0, "t": 0.0}
    samples = []
    stop = threading.Event()

    def sample():
        start = time.time()
        while not stop.is_set():
            r = status_kib(app.pid, "VmRSS")
            if r is None:
                break
            try:
                logged = os.path.getsize(log_path)
            except OSError:
                logged = 0
            samples.append((time.time() - start, r, logged))
            if r > peak["rss"]:
                peak.update(rss=r, t=time.time() - start)
            time.sleep(0.25)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    time.sleep(6)   # the first analysis

    sent, t0 = 0, time.time()
    try:
        while sent < a.events and app.poll() is None:
            cmd = ["xdotool"]
            for _ in range(min(60, a.events - sent)):
                kind = rng.random()
                x, y = rng.randrange(0, w), rng.randrange(48, h)
                if kind < 0.45:
                    cmd += ["mousemove", str(x), str(y)]
                elif kind < 0.70:
                    cmd += ["mousemove", str(x), str(y), "click", "1"]
                elif kind < 0.78:   # a drag (the layer slider, the opacity slider, a split)
                    cmd += ["mousemove", str(x), str(y), "mousedown", "1",
                            "mousemove", str(min(w - 1, max(0, x + rng.randrange(-300, 300)))), str(y), "mouseup", "1"]
                elif kind < 0.88:
                    cmd += ["mousemove", str(x), str(y), "click", rng.choice(["4", "5"])]
                else:
                    cmd += ["key", rng.choice(KEYS)]
                sent += 1
            subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=120)
            if sent % 3000 < 60:
                print(f"soak: {sent} events, RSS {status_kib(app.pid, 'VmRSS') or 0} KiB", file=sys.stderr, flush=True)
    finally:
        seconds = time.time() - t0
        time.sleep(3)
        alive = app.poll() is None
        final = status_kib(app.pid, "VmRSS") if alive else None
        hwm = status_kib(app.pid, "VmHWM") if alive else None
        stop.set()
        if alive:
            app.terminate()
            try:
                app.wait(10)
            except subprocess.TimeoutExpired:
                app.kill()
        xvfb.terminate()
    print(f"events sent: {sent} in {seconds:.0f} s")
    print(f"window alive at the end: {alive} (exit code {app.returncode if not alive else 'n/a'})")
    print(f"peak RSS (VmHWM): {hwm / 1024 if hwm else peak['rss'] / 1024:.0f} MiB; "
          f"highest sample {peak['rss'] / 1024:.0f} MiB at {peak['t']:.0f} s; final {(final or 0) / 1024:.0f} MiB")
    print(f"app log and home: {home}")
    report_peaks(samples, log_path, a.limit_mib)
    trims = trim_lines(log_path)
    if trims:
        afters = [after for _, after in trims]
        print(f"heap trims after long jobs: {len(trims)}, resident after them {min(afters)}–{max(afters)} MiB")
    return 0 if alive else 1


if __name__ == "__main__":
    sys.exit(main())
