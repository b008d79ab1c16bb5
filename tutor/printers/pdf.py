"""PDF from the HTML sheet, printed by headless Chromium (its MathML layout is what the HTML sheet is made for).

The browser is found in $TUTOR_CHROMIUM, then on PATH (chromium, chromium-browser, google-chrome). It runs with a
fresh profile and no network chatter, on a temporary copy of the page, with a time limit.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from tutor.errors import TutorError

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")
TIMEOUT = 120  # seconds; a 108-problem book prints in a few
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-extensions", "--mute-audio", "--no-pdf-header-footer")
NO_BROWSER = ("no headless Chromium to print the PDF with: install it (Debian/Ubuntu: apt-get install chromium) or "
              "set TUTOR_CHROMIUM to the browser's path; or export --format html and print that from any browser")


def find_browser() -> str | None:
    """The browser to print with, or None."""
    chosen = os.environ.get("TUTOR_CHROMIUM")
    if chosen:
        return chosen if (Path(chosen).is_file() and os.access(chosen, os.X_OK)) else shutil.which(chosen)
    for name in BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    return None


def browser_command(browser: str, profile: str) -> list[str]:
    return [browser, *FLAGS, f"--user-data-dir={profile}"]


def html_to_pdf(html: str, out: Path) -> None:
    """Print `html` to the PDF file `out`; a TutorError (not a traceback) if that cannot be done."""
    browser = find_browser()
    if browser is None:
        if os.environ.get("TUTOR_CHROMIUM"):
            raise TutorError(f"TUTOR_CHROMIUM={os.environ['TUTOR_CHROMIUM']!r} is not a program that can be run; "
                             "expected the path of a Chromium or Chrome browser")
        raise TutorError(NO_BROWSER)
    with tempfile.TemporaryDirectory(prefix="tutor-pdf-") as tmp:
        page = Path(tmp) / "sheet.html"
        page.write_text(html, encoding="utf-8")
        target = Path(tmp) / "sheet.pdf"
        command = browser_command(browser, str(Path(tmp) / "profile")) + [f"--print-to-pdf={target}",
                                                                         page.as_uri()]
        try:
            run = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT,
                                 stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            raise TutorError(f"{browser} did not finish printing the PDF within {TIMEOUT} s") from None
        except OSError as e:
            raise TutorError(f"could not run {browser}: {e.strerror or e}") from None
        if not target.is_file() or target.stat().st_size == 0:
            detail = _last_error(run.stderr)
            raise TutorError(f"{browser} printed no PDF (exit status {run.returncode}"
                             + (f": {detail}" if detail else "") + ")")
        out.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(target), str(out))


def _last_error(stderr: str) -> str:
    """The browser's last line that is not dbus noise (it always complains about the missing session bus)."""
    lines = [ln.strip() for ln in stderr.splitlines() if ln.strip() and "dbus" not in ln.lower()]
    return lines[-1][:200] if lines else ""
