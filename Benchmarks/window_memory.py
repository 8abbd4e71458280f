#!/usr/bin/env python3
"""Peak memory of the window in each heavy use: `convscope gui` with a weights file under its own Xvfb, driven by
xdotool through the widgets its UI trace names (CONVSCOPE_UI_TRACE), one fresh window per use; prints the process's
own peak resident set (VmHWM) after each use, in MiB, against the speed issue's 954 MiB (1.0 GB).

    python3 Benchmarks/window_memory.py --weights FILE [--uses start,scorecam,compare,sanity,filters] [--seconds 150]

Uses: start (the first analysis), scorecam (Score-CAM over every channel from the CAM pane's method picker), compare
(every method's map and scores: the scoreboard), sanity (the Sanity tab, all methods, for --seconds), filters
(filter images of every convolution: the Filters view, each layer's first page in turn). A use ends when the window
has been idle (under 5 % of a core) for 3 s, or after --seconds. Run it with the machine quiet: it measures memory,
but idleness is judged by CPU. Needs Xvfb, xdotool (Scripts/setup).
"""
import argparse
import json
import os
import subprocess
import tempfile
import time

from window_args import add_window_arguments, cache_home, status_kib

LIMIT_MIB = 954


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Window:
    def __init__(self, binary, weights, image, display, size):
        self.trace = tempfile.mktemp(prefix="convscope-trace-", suffix=".json")
        home = tempfile.mkdtemp(prefix="convscope-mem-")
        cache = cache_home(home)  # the user's model cache, all else fresh
        self.env = dict(os.environ, DISPLAY=display, HOME=home, XDG_CONFIG_HOME=os.path.join(home, ".config"),
                        XDG_CACHE_HOME=cache, CONVSCOPE_UI_TRACE=self.trace)
        self.env.pop("OPENBLAS_CORETYPE", None)
        self.env.pop("OPENBLAS_L2_SIZE", None)
        self.log = open(os.path.join(home, "app.log"), "w")
        self.proc = subprocess.Popen([binary, "gui", "--weights", weights, "--size", size, image], env=self.env,
                                     stdout=self.log, stderr=subprocess.STDOUT)

    def widgets(self):
        for _ in range(50):
            try:
                with open(self.trace) as f:
                    return json.load(f)
            except (OSError, ValueError):
                time.sleep(0.1)
        return []

    def click(self, label, kind=None, index=0, right_of=0):
        found = [w for w in self.widgets() if w["label"] == label and (kind is None or w["kind"] == kind)
                 and w["rect"][0] >= right_of]
        if len(found) <= index:
            raise SystemExit("no widget %r in the window's trace" % label)
        x, y, w, h = found[index]["rect"]
        subprocess.run(["xdotool", "mousemove", str(x + w // 2), str(y + h // 2), "click", "1"], env=self.env)
        time.sleep(0.4)

    def key(self, name, times=1):
        for _ in range(times):
            subprocess.run(["xdotool", "key", name], env=self.env)
            time.sleep(0.15)

    def settle(self, limit):
        """Waits until the window has used under 5 % of a core for 3 s (or `limit` seconds)."""
        start = time.time()
        quiet_since, last = None, cpu_seconds(self.proc.pid)
        while time.time() - start < limit:
            time.sleep(0.5)
            now = cpu_seconds(self.proc.pid)
            busy = (now - last) / 0.5 > 0.05
            last = now
            quiet_since = None if busy else (quiet_since or time.time())
            if quiet_since and time.time() - quiet_since >= 3:
                return time.time() - start
        return None

    def peak(self):
        peak = status_kib(self.proc.pid, "VmHWM")
        return peak // 1024 if peak is not None else None

    def close(self):
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def run_use(use, w, seconds):
    pane = [x for x in w.widgets() if x["kind"] == "pane" and x["label"] == "cam"]
    cam_x = pane[0]["rect"][0] if pane else 0
    if use == "scorecam":
        for _ in range(5):  # Grad-CAM → Grad-CAM++ → XGrad-CAM → LayerCAM → HiResCAM → Score-CAM
            w.click("›", kind="button", right_of=cam_x)
    elif use == "compare":
        w.click("Compare", kind="checkbox")
        # The tab's label is "Methods" where "Every method" does not fit (1024×700).
        w.click("Every method" if any(x["label"] == "Every method" for x in w.widgets()) else "Methods")
    elif use == "sanity":
        w.click("Compare", kind="checkbox")
        w.click("Sanity")
    elif use == "filters":
        w.key("f")
        for layer in range(18):
            if w.settle(seconds) is None:
                return "layer %d not finished in %d s" % (layer + 1, seconds)
            w.key("Right")
    if use != "start":
        t = w.settle(seconds)
        return "settled in %.0f s" % t if t is not None else "still busy at %.0f s" % seconds
    return ""


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_window_arguments(ap)
    ap.add_argument("--uses", default="start,scorecam,compare,sanity,filters")
    ap.add_argument("--seconds", type=float, default=150)
    ap.add_argument("--display", default=":94")
    ap.add_argument("--shots", help="a folder for a screenshot of the window after each use")
    a = ap.parse_args()
    xvfb = subprocess.Popen(["Xvfb", a.display, "-screen", "0", a.size + "x24", "-nolisten", "tcp", "-noreset"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1)
    rows = []
    try:
        warm = Window(a.binary, a.weights, a.image, a.display, a.size)  # fills the model cache for this binary
        warm.settle(60)
        warm.close()
        for use in a.uses.split(","):
            w = Window(a.binary, a.weights, a.image, a.display, a.size)
            try:
                w.settle(60)
                note = run_use(use, w, a.seconds)
                peak = w.peak()
                if a.shots:
                    os.makedirs(a.shots, exist_ok=True)
                    subprocess.run(["import", "-window", "root", os.path.join(a.shots, use + ".png")], env=w.env)
                alive = w.proc.poll() is None
            finally:
                w.close()
            rows.append((use, peak, note if alive else "the window died"))
            print("%-9s peak %5s MiB  %s  %s" % (use, peak, "PASS" if peak and peak <= LIMIT_MIB else "FAIL", rows[-1][2]),
                  flush=True)
    finally:
        xvfb.terminate()
    worst = max((p or 0) for _, p, _ in rows)
    print("worst peak %d MiB against %d MiB (1.0 GB): %s" % (worst, LIMIT_MIB, "PASS" if worst <= LIMIT_MIB else "FAIL"))


if __name__ == "__main__":
    main()
