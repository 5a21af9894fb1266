#!/usr/bin/env python3
"""Browser test of `tessera serve`'s deep-zoom viewer (/view/ID), in headless Chromium.

For each test image (a bundled bitonal scan, and a Kodak photo when ../shared/corpus/kodak/
exists), compressed losslessly into a temporary folder that `tessera serve` serves:
  * opens /view/ID?format=png at 1024x768, device scale factor 1, and waits until every tile
    is loaded and faded in; screenshots it;
  * zooms in three steps (map.setZoom, no animation) to zoom 0 = full resolution, one more
    with the viewer's "+" button (zoom 1, tiles magnified), and out again to the start with
    its "-" button (animated), a screenshot after each; then opens the default page (JPEG
    tiles) and checks its tiles too;
  * at every step checks the tiles: the right Deep Zoom level, each tile where its image
    rectangle is, at its own (edge tiles smaller) size, no gaps over the visible part;
  * at zoom 0 compares the screenshot (info bar and zoom buttons hidden) with
    `tessera decompress --region` of the rectangle window.tesseraVisible() reports, searching
    shifts of up to 2 pixels; requires >= 99.5 % of pixels exactly equal;
  * fails on any SEVERE browser console entry, any request the server answered >= 400 (its
    access log on stderr), and any failed entry in the page's performance resource timings.

Usage: viewer_test.py --tessera .build-test/release/tessera --out reports/browser [--keep]
Exit status 0 when every check passes; otherwise one line per failure and status 1 (2 when
the test itself could not run).
"""
import argparse
import io
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

import numpy as np
from PIL import Image
from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

WIDTH, HEIGHT = 1024, 768
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCAN = os.path.join(REPO, "fixtures/scans/leptonica-pageseg2.tif")
KODAK = os.path.join(os.path.dirname(REPO), "shared/corpus/kodak")
MATCH_REQUIRED = 0.995
MAX_SHIFT = 2

failures = []


def fail(msg):
    failures.append(msg)
    print("FAIL: " + msg, flush=True)


def die(msg):
    """The test itself cannot run (no binary, a command failing, no server): status 2."""
    print("viewer_test: " + msg, file=sys.stderr, flush=True)
    sys.exit(2)


def info(msg):
    print(msg, flush=True)


# ---------------------------------------------------------------- setup


def wait_for_binary(path, seconds=120):
    """The binary may be rebuilt by someone else meanwhile: wait for it to reappear."""
    deadline = time.time() + seconds
    while not (os.path.isfile(path) and os.access(path, os.X_OK)):
        if time.time() > deadline:
            die(f"{path} does not exist (build it first)")
        time.sleep(2)


def run_tessera(tessera, *args):
    wait_for_binary(tessera)
    p = subprocess.run([tessera, *args], capture_output=True, text=True)
    if p.returncode != 0:
        die(f"tessera {' '.join(args)} failed ({p.returncode}): {p.stderr.strip()}")
    return p


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """`tessera serve FOLDER --port P` with its access log (stderr) in a file."""

    def __init__(self, tessera, folder, logdir):
        self.log_path = os.path.join(logdir, "serve.stderr")
        for attempt in range(5):
            self.port = free_port()
            wait_for_binary(tessera)
            self.log = open(self.log_path, "w")
            self.proc = subprocess.Popen(
                [tessera, "serve", folder, "--port", str(self.port)],
                stdout=subprocess.DEVNULL, stderr=self.log)
            if self._wait_healthy(20):
                self.base = f"http://127.0.0.1:{self.port}"
                return
            self.stop()
        die("tessera serve did not answer /healthz: " + self.log_text()[-500:])

    def _wait_healthy(self, seconds):
        deadline = time.time() + seconds
        while time.time() < deadline:
            if self.proc.poll() is not None:
                return False  # e.g. the port was taken meanwhile
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=2) as r:
                    if r.status == 200 and r.read().strip() == b"ok":
                        return True
            except (urllib.error.URLError, ConnectionError, OSError):
                pass
            time.sleep(0.1)
        return False

    def log_text(self):
        try:
            with open(self.log_path) as f:
                return f.read()
        except OSError:
            return ""

    def requests(self):
        """(method, path, status) of every access-log line, and every error-level line."""
        entries, errors = [], []
        for line in self.log_text().splitlines():
            m = re.search(r"\] (GET|HEAD|POST|PUT|DELETE|OPTIONS|PATCH) (\S+) (\d{3}) \d+ [\d.]+ ms$", line)
            if m:
                entries.append((m.group(1), m.group(2), int(m.group(3))))
            elif " error " in line or " critical " in line:
                errors.append(line)
        return entries, errors

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


def make_driver(profile_dir):
    o = webdriver.ChromeOptions()
    o.binary_location = "/usr/bin/chromium"
    for a in ("--headless=new", f"--window-size={WIDTH},{HEIGHT}", "--force-device-scale-factor=1",
              "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--force-color-profile=srgb",
              "--hide-scrollbars", "--no-first-run", "--disable-extensions",
              "--disable-background-networking", f"--user-data-dir={profile_dir}"):
        o.add_argument(a)
    o.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    d = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=o)
    # The page's viewport exactly 1024x768 at 1 device pixel per CSS pixel.
    d.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                      {"width": WIDTH, "height": HEIGHT, "deviceScaleFactor": 1, "mobile": False})
    # Room for every tile in the resource timings (the default buffer holds 250).
    d.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument",
                      {"source": "performance.setResourceTimingBufferSize(100000);"})
    d.set_script_timeout(30)
    return d


# ---------------------------------------------------------------- page state

# Install listeners once the map exists: tile errors, zoom ends.
INSTRUMENT_JS = """
var map = window.tesseraMap;
if (!map || window.__tt) return !!map;
window.__tt = {tileErrors: [], zoomEnds: 0};
map.eachLayer(function (l) {
  if (l instanceof L.TileLayer) {
    l.on('tileerror', function (e) { window.__tt.tileErrors.push(e.tile && e.tile.src); });
  }
});
map.on('zoomend', function () { window.__tt.zoomEnds++; });
return true;
"""

# The tiles in the DOM: loaded or not, opacity, src, rectangle.
TILES_JS = """
var map = window.tesseraMap;
var imgs = Array.prototype.slice.call(document.querySelectorAll('img.leaflet-tile'));
return {
  zoom: map.getZoom(),
  animating: !!(map._animatingZoom || (map._panAnim && map._panAnim._inProgress)),
  errors: window.__tt ? window.__tt.tileErrors.slice() : [],
  tiles: imgs.map(function (i) {
    var r = i.getBoundingClientRect();
    return {src: i.getAttribute('src'), complete: i.complete, nw: i.naturalWidth, nh: i.naturalHeight,
      loaded: i.classList.contains('leaflet-tile-loaded'),
      opacity: parseFloat(getComputedStyle(i).opacity),
      containerOpacity: parseFloat(getComputedStyle(i.parentNode).opacity),
      x: r.left, y: r.top, w: r.width, h: r.height};
  })
};
"""

# Where image pixel (x, y) is in the map container at the current zoom.
POINT_JS = """
var map = window.tesseraMap, pts = arguments[0];
var box = map.getContainer().getBoundingClientRect();
return pts.map(function (p) {
  var c = map.latLngToContainerPoint(map.unproject([p[0], p[1]], 0));
  return [c.x + box.left, c.y + box.top];
});
"""

TILE_RE = re.compile(r"/dzi/(.+)_files/(\d+)/(\d+)_(\d+)\.(jpg|png)$")


def level_size(width, height, max_level, level):
    s = max_level - level
    return (width + (1 << s) - 1) >> s, (height + (1 << s) - 1) >> s


def wait_tiles(driver, img, timeout=30):
    """Waits until the tiles in the DOM are all loaded, faded in, of the current level only, and
    unchanged over three polls. Returns the last state, or None (and a failure) on timeout."""
    deadline = time.time() + timeout
    last, stable, state = None, 0, None
    while time.time() < deadline:
        driver.execute_script(INSTRUMENT_JS)
        state = driver.execute_script(TILES_JS)
        tiles = state["tiles"]
        broken = [t["src"] for t in tiles if t["complete"] and t["nw"] == 0]
        if state["errors"] or broken:
            fail(f"{img['id']} zoom {state['zoom']}: tiles failed to load: {sorted(set(state['errors'] + broken))[:5]}")
            return state
        want = expected_level(img, state["zoom"])
        levels = {int(m.group(2)) for m in (TILE_RE.search(t["src"] or "") for t in tiles) if m}
        ready = (not state["animating"] and tiles and levels == {want}
                 and all(t["complete"] and t["nw"] > 0 and t["loaded"] and t["opacity"] >= 1
                         and t["containerOpacity"] >= 1 for t in tiles))
        key = json.dumps(tiles, sort_keys=True)
        if ready and key == last:
            stable += 1
            if stable >= 2:
                return state
        else:
            stable = 0
        last = key if ready else None
        time.sleep(0.15)
    n = len(state["tiles"]) if state else 0
    pending = [t["src"] for t in state["tiles"] if not t["loaded"]][:5] if state else []
    fail(f"{img['id']}: tiles not all loaded after {timeout} s at zoom {state and state['zoom']} "
         f"({n} tiles, pending {pending})")
    return None


def expected_level(img, zoom):
    return max(-img["maxLevel"], min(0, zoom)) + img["maxLevel"]


def check_tiles(driver, img, state, label):
    """Every tile of the right level, at its image rectangle, at its own size; no visible
    part of the image left uncovered. Returns the number of tiles."""
    zoom = state["zoom"]
    level = expected_level(img, zoom)
    ts, ml, W, H = img["tileSize"], img["maxLevel"], img["width"], img["height"]
    lw, lh = level_size(W, H, ml, level)
    f = 1 << (ml - level)
    scale = 2.0 ** (zoom - (level - ml))  # CSS pixels per level pixel (1 unless zoomed past 0)
    problems, have = [], set()
    tiles = []
    for t in state["tiles"]:
        m = TILE_RE.search(t["src"] or "")
        if not m or m.group(1) != img["id"] or m.group(5) != img["format"]:
            problems.append(f"unexpected tile URL {t['src']}")
            continue
        tiles.append((int(m.group(3)), int(m.group(4)), t))
    pts = []
    for col, row, _ in tiles:
        pts += [[col * ts * f, row * ts * f], [min((col + 1) * ts * f, W), min((row + 1) * ts * f, H)]]
    where = driver.execute_script(POINT_JS, pts) if pts else []
    for i, (col, row, t) in enumerate(tiles):
        have.add((col, row))
        ew, eh = min(ts, lw - col * ts), min(ts, lh - row * ts)
        if (t["nw"], t["nh"]) != (ew, eh):
            problems.append(f"tile {level}/{col}_{row} is {t['nw']}x{t['nh']}, Deep Zoom says {ew}x{eh}")
        (x0, y0), (x1, y1) = where[2 * i], where[2 * i + 1]
        if abs(t["x"] - x0) > 0.51 or abs(t["y"] - y0) > 0.51:
            problems.append(f"tile {level}/{col}_{row} at ({t['x']:.1f},{t['y']:.1f}), expected ({x0:.1f},{y0:.1f})")
        # Edge tiles end at the image's edge (within a pixel: a level is rounded up).
        if abs(t["w"] - ew * scale) > 0.01 or abs(t["h"] - eh * scale) > 0.01:
            problems.append(f"tile {level}/{col}_{row} shown {t['w']:.1f}x{t['h']:.1f}, "
                            f"should be {ew * scale:.1f}x{eh * scale:.1f} (stretched?)")
        if abs((t["x"] + t["w"]) - x1) > 1.01 or abs((t["y"] + t["h"]) - y1) > 1.01:
            problems.append(f"tile {level}/{col}_{row} ends at ({t['x'] + t['w']:.1f},{t['y'] + t['h']:.1f}), "
                            f"image rectangle ends at ({x1:.1f},{y1:.1f})")
    # Coverage: every tile overlapping the visible part of the image is there.
    v = driver.execute_script("return window.tesseraVisible();")
    vx0, vy0 = max(0.0, v["x"]), max(0.0, v["y"])
    vx1, vy1 = min(float(W), v["x"] + v["width"]), min(float(H), v["y"] + v["height"])
    if vx1 > vx0 and vy1 > vy0:
        span = ts * f
        need = {(c, r) for c in range(int(vx0 // span), int(-(-vx1 // span)))
                for r in range(int(vy0 // span), int(-(-vy1 // span)))}
        missing = sorted(need - have)
        if missing:
            problems.append(f"{len(missing)} visible tiles missing, e.g. {missing[:4]}")
    if abs(v["zoom"] - zoom) > 1e-9:
        problems.append(f"tesseraVisible().zoom {v['zoom']} but map zoom {zoom}")
    exp_w, exp_h = WIDTH / 2.0 ** zoom, HEIGHT / 2.0 ** zoom
    if abs(v["width"] - exp_w) > 1e-6 or abs(v["height"] - exp_h) > 1e-6:
        problems.append(f"tesseraVisible() is {v['width']}x{v['height']} image px, expected {exp_w}x{exp_h}")
    for p in problems[:6]:
        fail(f"{img['id']} {label} (zoom {zoom}): {p}")
    if len(problems) > 6:
        fail(f"{img['id']} {label} (zoom {zoom}): ... and {len(problems) - 6} more tile problems")
    return len(tiles)


# ---------------------------------------------------------------- pixel comparison


def compare_full_resolution(tessera, img, shot, visible, workdir):
    """Compares the zoom-0 screenshot with `tessera decompress --region` of what
    tesseraVisible() says is shown. Returns a summary string."""
    W, H = img["width"], img["height"]
    vx, vy = visible["x"], visible["y"]
    x0, y0 = max(0, int(np.ceil(vx))), max(0, int(np.ceil(vy)))
    x1 = min(W, int(np.floor(vx + visible["width"])))
    y1 = min(H, int(np.floor(vy + visible["height"])))
    if x1 - x0 < 64 or y1 - y0 < 64:
        fail(f"{img['id']}: at zoom 0 only {x1 - x0}x{y1 - y0} image pixels are visible")
        return "n/a"
    region_png = os.path.join(workdir, f"{img['id']}-region.png")
    run_tessera(tessera, "decompress", img["path"], "-o", region_png,
                "--region", f"{x0},{y0},{x1 - x0},{y1 - y0}", "--quiet")
    ref = np.asarray(Image.open(region_png).convert("RGB"), dtype=np.int16)
    scr = np.asarray(shot.convert("RGB"), dtype=np.int16)
    if ref.shape[:2] != (y1 - y0, x1 - x0):
        fail(f"{img['id']}: decompress --region gave {ref.shape[1]}x{ref.shape[0]}, asked {x1 - x0}x{y1 - y0}")
        return "n/a"
    # Image pixel (x, y) is expected at screen (x - vx, y - vy); search small shifts.
    ox, oy = int(round(x0 - vx)), int(round(y0 - vy))
    best = None
    h, w = ref.shape[:2]
    for dy in range(-MAX_SHIFT, MAX_SHIFT + 1):
        for dx in range(-MAX_SHIFT, MAX_SHIFT + 1):
            sx, sy = ox + dx, oy + dy
            # The part of the region that lands inside the screenshot.
            rx0, ry0 = max(0, -sx), max(0, -sy)
            rx1, ry1 = min(w, scr.shape[1] - sx), min(h, scr.shape[0] - sy)
            if rx1 - rx0 < w * 0.9 or ry1 - ry0 < h * 0.9:
                continue
            a = ref[ry0:ry1, rx0:rx1]
            b = scr[ry0 + sy:ry1 + sy, rx0 + sx:rx1 + sx]
            d = np.abs(a - b).max(axis=2)
            frac = float((d == 0).mean())
            cand = (frac, -abs(dx) - abs(dy), dx, dy, int(d.max()), float(d.mean()), d.size)
            if best is None or cand[:2] > best[:2]:
                best = cand
    if best is None:
        fail(f"{img['id']}: no overlap to compare at zoom 0")
        return "n/a"
    frac, _, dx, dy, dmax, dmean, n = best
    text = (f"{frac * 100:.3f} % of {n} pixels exact at shift ({dx:+d},{dy:+d}), max diff {dmax}, "
            f"mean {dmean:.4f} (region {x0},{y0},{x1 - x0},{y1 - y0})")
    if frac < MATCH_REQUIRED:
        fail(f"{img['id']}: zoom-0 screenshot matches decompress --region in only {frac * 100:.2f} % of pixels "
             f"(need {MATCH_REQUIRED * 100:.1f} %), max diff {dmax}")
    if (dx, dy) != (0, 0):
        info(f"  note: {img['id']} best match is shifted by ({dx:+d},{dy:+d}) px from tesseraVisible()")
    return text


# ---------------------------------------------------------------- one image


def console_errors(driver, img, label):
    for e in driver.get_log("browser"):
        if e.get("level") == "SEVERE":
            fail(f"{img['id']} {label}: browser console: {e.get('message', '').strip()[:300]}")


def screenshot(driver, out, name):
    png = driver.get_screenshot_as_png()
    path = os.path.join(out, name)
    with open(path, "wb") as f:
        f.write(png)
    shot = Image.open(io.BytesIO(png))
    shot.load()
    if shot.size != (WIDTH, HEIGHT):
        fail(f"{name}: screenshot is {shot.size[0]}x{shot.size[1]}, expected {WIDTH}x{HEIGHT}")
    return shot


def set_overlays(driver, visible):
    driver.execute_script("""
        var v = arguments[0] ? '' : 'hidden';
        document.getElementById('bar').style.visibility = v;
        document.querySelectorAll('.leaflet-control-container').forEach(function (e) { e.style.visibility = v; });
    """, visible)


def zoom_plan(start):
    """Three zoom levels from `start` (< 0) up to 0, the last one 0."""
    if start >= -3:
        return [start + 1, start + 2, 0] if start == -3 else [0]
    return [round(start * 2 / 3), round(start / 3), 0]


def wait_for_viewer(driver, img):
    t0 = time.time()
    while not driver.execute_script("return !!window.tesseraMap && !!window.tesseraVisible;"):
        if time.time() - t0 > 15:
            fail(f"{img['id']}: the viewer page never defined tesseraMap / tesseraVisible")
            console_errors(driver, img, "load")
            return False
        time.sleep(0.1)
    driver.execute_script(INSTRUMENT_JS)
    return True


def click_zoom(driver, which):
    """Clicks the viewer's + or - button and waits for the (animated) zoom to end."""
    ends = driver.execute_script("return window.__tt.zoomEnds;")
    driver.find_element(By.CSS_SELECTOR, ".leaflet-control-zoom-" + which).click()
    t1 = time.time()
    while driver.execute_script("return window.__tt.zoomEnds;") == ends and time.time() - t1 < 10:
        time.sleep(0.05)


def test_image(driver, server, tessera, img, out, workdir):
    summary = {"id": img["id"], "zooms": [], "tiles": 0, "match": "n/a"}
    img["format"] = "png"
    driver.get(f"{server.base}/view/{img['id']}?format=png")
    if not wait_for_viewer(driver, img):
        return summary
    shots = [0]

    def step(label, bare=False):
        """Waits for the tiles, checks them, screenshots (without the info bar and the zoom
        buttons when `bare`). Returns (state, screenshot, visible) or Nones."""
        state = wait_tiles(driver, img)
        if state is None or not state["tiles"]:
            console_errors(driver, img, label)
            return None, None, None
        n = check_tiles(driver, img, state, label)
        summary["zooms"].append(state["zoom"])
        summary["tiles"] += n
        z = state["zoom"]
        name = f"{img['id']}-{shots[0]}-{label.split(' (')[0].replace(' ', '-')}-zoom{z}.png"
        shots[0] += 1
        if bare:
            set_overlays(driver, False)
        shot = screenshot(driver, out, name)
        visible = driver.execute_script("return window.tesseraVisible();")
        if bare:
            set_overlays(driver, True)
        shown = driver.execute_script("return document.getElementById('coords').textContent;")
        m = re.search(r"zoom (-?\d+)", shown or "")
        if m and int(m.group(1)) != z:
            fail(f"{img['id']} {label}: the info bar says '{shown}' at zoom {z} (stale)")
        console_errors(driver, img, label)
        info(f"  {img['id']} {label}: zoom {z}, {n} tiles of level {expected_level(img, z)}, "
             f"visible x {visible['x']:.1f} y {visible['y']:.1f} {visible['width']:.0f}x{visible['height']:.0f}"
             f" -> {name}")
        return state, shot, visible

    state, _, _ = step("opened")
    if state is None:
        return summary
    start = state["zoom"]
    if start > -3:
        # A small image opens at full resolution already: start further out.
        start = max(-3, driver.execute_script("return tesseraMap.getMinZoom();"))
        driver.execute_script("tesseraMap.setZoom(arguments[0], {animate: false});", start)
        state, _, _ = step("start")
        if state is None:
            return summary
    plan = zoom_plan(start)
    for i, z in enumerate(plan, 1):
        driver.execute_script("tesseraMap.setZoom(arguments[0], {animate: false});", z)
        state, shot, visible = step(f"zoom in {i}", bare=(z == 0))
        if state is None:
            return summary
        if state["zoom"] != z:
            fail(f"{img['id']}: setZoom({z}) ended at zoom {state['zoom']}")
    if state["zoom"] != 0:
        fail(f"{img['id']}: zooming in never reached zoom 0 (full resolution)")
    else:
        summary["match"] = compare_full_resolution(tessera, img, shot, visible, workdir)
    # One step past full resolution with the + button (tiles of level maxLevel, magnified).
    click_zoom(driver, "in")
    state, _, _ = step("past full (+ button)")
    if state is not None and state["zoom"] != 1:
        fail(f"{img['id']}: the + button at zoom 0 gave zoom {state['zoom']}, not 1")
    # Out again to the start with the - button (animated zoom), one click per zoom level.
    clicks = 0
    while driver.execute_script("return tesseraMap.getZoom();") > start and clicks < 20:
        click_zoom(driver, "out")
        clicks += 1
    state, _, _ = step(f"zoomed out ({clicks} clicks on -)")
    if state is not None and state["zoom"] != start:
        fail(f"{img['id']}: zooming out ended at zoom {state['zoom']}, not the start {start}")
    page_requests(driver, img, summary)

    # The default page (JPEG tiles): opens, loads, tiles in place.
    img["format"] = "jpg"
    driver.get(f"{server.base}/view/{img['id']}")
    if wait_for_viewer(driver, img):
        step("jpeg tiles")
        page_requests(driver, img, summary)
    return summary


def page_requests(driver, img, summary):
    """The page's own record of its requests (navigation and resources): none may fail."""
    for e in driver.execute_script("""
            return performance.getEntriesByType('navigation').concat(performance.getEntriesByType('resource'))
              .map(function (e) { return {name: e.name, status: e.responseStatus,
                type: e.initiatorType || e.entryType}; });"""):
        if e["status"] is not None and (e["status"] >= 400 or e["status"] == 0):
            fail(f"{img['id']}: request {e['name']} ({e['type']}) failed, status {e['status']}")
        summary["requests"] = summary.get("requests", 0) + 1


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--tessera", required=True, help="the tessera binary")
    ap.add_argument("--out", required=True, help="folder for the screenshots")
    ap.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = ap.parse_args()
    tessera = os.path.abspath(args.tessera)
    out = os.path.abspath(args.out)
    os.makedirs(out, exist_ok=True)
    for old in os.listdir(out):
        if old.endswith(".png"):
            os.remove(os.path.join(out, old))

    work = tempfile.mkdtemp(prefix="tessera-browser-")
    served = os.path.join(work, "served")
    os.makedirs(served)
    images = []
    sources = [("leptonica-pageseg2", SCAN)]
    if os.path.isdir(KODAK):
        names = sorted(n for n in os.listdir(KODAK) if n.endswith(".png"))
        pick = "kodim23.png" if "kodim23.png" in names else (names[0] if names else None)
        if pick:
            sources.append((os.path.splitext(pick)[0], os.path.join(KODAK, pick)))
    for ident, src in sources:
        path = os.path.join(served, ident + ".tess")
        run_tessera(tessera, "compress", src, "-o", path, "--lossless", "--quiet")
        images.append({"id": ident, "path": path})

    server = Server(tessera, served, work)
    driver = None
    summaries = []
    try:
        for img in images:
            with urllib.request.urlopen(f"{server.base}/dzi/{img['id']}.dzi") as r:
                dzi = r.read().decode()
            img["width"] = int(re.search(r'Width="(\d+)"', dzi).group(1))
            img["height"] = int(re.search(r'Height="(\d+)"', dzi).group(1))
            img["tileSize"] = int(re.search(r'TileSize="(\d+)"', dzi).group(1))
            img["maxLevel"] = max(0, (max(img["width"], img["height"]) - 1).bit_length())
        driver = make_driver(os.path.join(work, "chrome-profile"))
        for img in images:
            info(f"{img['id']}: {img['width']}x{img['height']}, Deep Zoom levels 0-{img['maxLevel']}")
            s = test_image(driver, server, tessera, img, out, work)
            summaries.append(s)
    except WebDriverException as e:
        fail(f"webdriver: {str(e).splitlines()[0]}")
    finally:
        if driver is not None:
            driver.quit()
        server.stop()

    entries, errors = server.requests()
    for line in errors:
        fail(f"server logged an error: {line.strip()[:300]}")
    bad = [(m, p, s) for m, p, s in entries if s >= 400]
    for m, p, s in bad[:10]:
        fail(f"server answered {m} {p} with {s}")
    if len(bad) > 10:
        fail(f"... and {len(bad) - 10} more requests answered >= 400")
    tiles_served = sum(1 for _, p, _ in entries if "/dzi/" in p and "_files/" in p)

    info("")
    info("summary")
    for s in summaries:
        info(f"  {s['id']}: zoom levels {' -> '.join(str(z) for z in s['zooms'])}; "
             f"{s['tiles']} tiles checked over the steps; {s.get('requests', 0)} page requests")
        info(f"    zoom 0 vs decompress --region: {s['match']}")
    info(f"  server: {len(entries)} requests logged, {tiles_served} tile requests, {len(bad)} answered >= 400")
    info(f"  screenshots in {out}")
    if args.keep:
        info(f"  kept {work}")
    else:
        shutil.rmtree(work, ignore_errors=True)
    if failures:
        info(f"FAILED: {len(failures)} problem(s), each on a FAIL: line above")
        return 1
    info("PASSED")
    return 0


if __name__ == "__main__":
    sys.exit(main())
