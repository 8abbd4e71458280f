"""What the window benchmarks (soak.py, window_memory.py) share: the arguments that say which window to run, and
the process's memory as /proc reports it."""
import os

HERE = os.path.dirname(os.path.abspath(__file__))


def add_window_arguments(ap, size="1920x1080"):
    """--binary, --weights, --image and --size, with the repository's defaults."""
    ap.add_argument("--binary", default=os.path.join(HERE, "..", ".build", "release", "convscope"))
    ap.add_argument("--weights", required=True)
    ap.add_argument("--image", default=os.path.join(HERE, "..", "Assets", "chelsea.png"))
    ap.add_argument("--size", default=size)


def status_kib(pid, field):
    """A field of /proc/PID/status in KiB (VmRSS, VmHWM), or None once the process is gone."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None
