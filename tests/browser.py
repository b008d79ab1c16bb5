"""Headless Chromium for the tests: load a page, let a measuring script run, read back what it measured.

The exported sheets carry no JavaScript; the tests add one script to a copy of the page, which measures the
laid-out MathML boxes through the DOM (getBoundingClientRect) and writes them as JSON into the page, and read
it back with --dump-dom. A browser without MathML layout puts a fraction's numerator beside its denominator
and gives a table's rows no height of their own; these measurements tell the difference.
"""

from __future__ import annotations

import html
import json
import re
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import pytest

from tutor.printers.pdf import browser_command, find_browser

MEASURE = r"""
<script>
(function () {
  const box = (e) => { const r = e.getBoundingClientRect();
                       return {x: r.left, y: r.top, w: r.width, h: r.height, b: r.bottom, r: r.right}; };
  const out = {
    width: document.documentElement.clientWidth,
    scrollWidth: document.documentElement.scrollWidth,
    math: [...document.querySelectorAll("math")].map(box),
    fractions: [...document.querySelectorAll("mfrac")].map((f) => [box(f.children[0]), box(f.children[1])]),
    powers: [...document.querySelectorAll("msup")].map((s) => [box(s.children[0]), box(s.children[1])]),
    tables: [...document.querySelectorAll("mtable")].map((t) =>
      [...t.querySelectorAll(":scope > mtr")].map(box)),
    svgs: [...document.querySelectorAll("svg")].map(box),
    display: getComputedStyle(document.querySelector("math") || document.body).display,
  };
  const pre = document.createElement("pre");
  pre.id = "tutor-measure";
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
})();
</script>
"""


def browser_or_skip() -> str:
    browser = find_browser()
    if browser is None:
        pytest.skip("no headless Chromium here (Debian: apt-get install chromium; .ci/run installs it)")
    return browser


def measure(page: str, width: int = 800) -> dict[str, Any]:
    """Render `page` (an HTML document) at `width` CSS pixels and return the script's measurements."""
    browser = browser_or_skip()
    with tempfile.TemporaryDirectory(prefix="tutor-browser-") as tmp:
        path = Path(tmp) / "page.html"
        path.write_text(page.replace("</body>", MEASURE + "</body>"), encoding="utf-8")
        command = browser_command(browser, str(Path(tmp) / "profile")) + [
            f"--window-size={width},1000", "--dump-dom", path.as_uri()]
        run = subprocess.run(command, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    found = re.search(r'<pre id="tutor-measure">(.*?)</pre>', run.stdout, re.S)
    assert found, f"the page did not run its measuring script; browser said: {run.stderr[-500:]}"
    return json.loads(html.unescape(found.group(1)))


def pdf_text(path: Path) -> str:
    """The text of a PDF, by poppler's pdftotext (skip when it is not installed)."""
    import shutil

    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext is not installed (Debian: apt-get install poppler-utils; .ci/run installs it)")
    run = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    return run.stdout
