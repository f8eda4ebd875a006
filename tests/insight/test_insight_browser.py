"""The report in a real headless browser (Debian's chromium): drawn, every image loaded.

Skips where no chromium is installed; ``.ci/run`` installs one.
"""

import re
import shutil
import subprocess

import numpy as np
import pytest
from matplotlib.image import imread

BROWSER = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(BROWSER is None, reason="no chromium installed")

# Appended to a copy of the report: once the page has loaded, write into the
# DOM, for each image, whether it decoded and its natural width.
PROBE = """<script>window.addEventListener("load", function () {
  var out = [];
  for (var i = 0; i < document.images.length; i++) {
    var img = document.images[i];
    out.push((img.complete ? "ok" : "pending") + ":" + img.naturalWidth);
  }
  var p = document.createElement("pre");
  p.id = "probe"; p.textContent = out.join(" ");
  document.body.appendChild(p);
});</script>"""


def chromium(*args, cwd):
    command = [BROWSER, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
               f"--user-data-dir={cwd / 'profile'}", "--virtual-time-budget=10000", *args]
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=180)


def test_every_image_loads_in_chromium(binary_report, tmp_path):
    text = binary_report.read_text(encoding="utf-8")
    n_images = len(re.findall(r"<img\b", text))
    page = tmp_path / "probed.html"
    page.write_text(text.replace("</body>", PROBE + "</body>"), encoding="utf-8")
    result = chromium("--dump-dom", page.as_uri(), cwd=tmp_path)
    probe = re.search(r'<pre id="probe">([^<]*)</pre>', result.stdout)
    assert probe, result.stderr[-2000:]
    states = probe.group(1).split()
    assert len(states) == n_images >= 8
    widths = [int(s.split(":")[1]) for s in states]
    assert all(s.startswith("ok:") for s in states) and min(widths) > 100, states


def test_screenshot_is_not_blank(binary_report, tmp_path):
    shot = tmp_path / "report.png"
    result = chromium(f"--screenshot={shot}", "--window-size=1280,2400",
                      binary_report.as_uri(), cwd=tmp_path)
    assert shot.exists(), result.stderr[-2000:]
    pixels = imread(shot)[..., :3]
    assert pixels.shape[:2] == (2400, 1280)
    background = np.array([0xF6, 0xF7, 0xF9]) / 255  # the page colour
    drawn = np.abs(pixels - background).sum(axis=2) > 0.05
    assert drawn.mean() > 0.3  # cards, tables and plots cover the page
    dark = pixels.sum(axis=2) < 1.0
    assert dark.mean() > 0.005  # text and lines were drawn
