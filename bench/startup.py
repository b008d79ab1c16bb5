"""Start-up benchmark: median wall time of `tutor solve lstm-step` against `python -c "import numpy"`.

Both run on this machine in this one run, interleaved, so the ratio is comparable across machines. tutor is
timed twice: in a pseudo-terminal (what a student sees: rich, colours) and piped (plain text). The target is a
ratio of at most 2.5 (aim: 2) for both. `tutor list`, which loads and validates every problem file (and so
imports every solver module), is timed too, for information.
Run with `make bench` or `python bench/startup.py [--runs N] [--check]`.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

LIMIT = 2.5


def tutor_command() -> list[str]:
    exe = Path(sys.executable).with_name("tutor")
    if exe.exists():
        return [str(exe)]
    found = shutil.which("tutor")
    return [found] if found else [sys.executable, "-m", "tutor"]


def _env() -> dict[str, str]:
    """The caller's environment, less NO_COLOR, and with bytecode caching on as on a student's machine (a
    PYTHONDONTWRITEBYTECODE=1 left in a sandbox would time the compilation of every module on every run)."""
    return {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "PYTHONDONTWRITEBYTECODE")}


def wall(cmd: list[str]) -> float:
    env = _env()
    start = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True, env=env)
    return time.perf_counter() - start


def wall_tty(cmd: list[str]) -> float:
    """Run with stdout and stderr on a pseudo-terminal, draining it so the program never blocks on output."""
    import pty

    master, slave = pty.openpty()
    env = _env()
    env.update(COLUMNS="100", TERM="xterm-256color")

    def drain() -> None:
        try:
            while os.read(master, 65536):
                pass
        except OSError:
            pass

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    start = time.perf_counter()
    subprocess.run(cmd, stdout=slave, stderr=slave, stdin=subprocess.DEVNULL, check=True, env=env)
    elapsed = time.perf_counter() - start
    os.close(slave)
    reader.join(timeout=2)
    os.close(master)
    return elapsed


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=21)
    ap.add_argument("--check", action="store_true", help=f"exit 1 if the ratio exceeds {LIMIT}")
    args = ap.parse_args()
    tutor = tutor_command() + ["solve", "lstm-step"]
    listing = tutor_command() + ["list"]
    derive = tutor_command() + ["derive", "softmax-jacobian"]
    numpy = [sys.executable, "-c", "import numpy"]
    for cmd in (tutor, listing, derive, numpy):  # warm the file, bytecode and parse caches once
        wall(cmd)
    t_tty, t_pipe, t_list, t_derive, t_numpy = [], [], [], [], []
    for _ in range(args.runs):
        t_tty.append(wall_tty(tutor))
        t_pipe.append(wall(tutor))
        t_list.append(wall(listing))
        t_derive.append(wall(derive))
        t_numpy.append(wall(numpy))
    mn = statistics.median(t_numpy)
    print(f"runs: {args.runs} each, interleaved")
    print(f'python -c "import numpy"               median {mn * 1000:7.1f} ms')
    worst = 0.0
    for label, times in (("in a terminal (pty)", t_tty), ("piped (plain text)", t_pipe)):
        m = statistics.median(times)
        worst = max(worst, m / mn)
        print(f"tutor solve lstm-step, {label:20s} median {m * 1000:7.1f} ms   ratio {m / mn:.2f}")
    m = statistics.median(t_list)
    print(f"tutor list (validates the whole bank)       median {m * 1000:7.1f} ms   ratio {m / mn:.2f} (not checked)")
    m = statistics.median(t_derive)
    print(f"tutor derive softmax-jacobian (imports sympy)  median {m * 1000:7.1f} ms   ratio {m / mn:.2f} "
          "(not checked)")
    print(f"limit {LIMIT} (tutor solve)")
    return 1 if args.check and worst > LIMIT else 0


if __name__ == "__main__":
    sys.exit(main())
