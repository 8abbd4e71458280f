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


def cache_home(home, cold=False):
    """An XDG_CACHE_HOME inside `home` whose model cache is the user's (unless `cold`): a warm start, as a user's
    second one, while the filter images, the index and the rest start empty and nothing else of the user's is
    written (a model read on a cache miss keeps what a cached one lets go: another program, memory-wise)."""
    cache = os.path.join(home, ".cache")
    os.makedirs(os.path.join(cache, "convscope"), exist_ok=True)
    if not cold:
        user = os.path.join(os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "convscope", "models")
        os.makedirs(user, exist_ok=True)
        os.symlink(user, os.path.join(cache, "convscope", "models"))
    return cache
