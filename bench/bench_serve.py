#!/usr/bin/env python3
"""Tile serving: `tessera serve` against iipsrv and nginx, side by side in one run.

usage: bench_serve.py BIN GREY.pgm COLOUR.ppm   (bench/bench-serve.sh builds the mosaics; the
       tiled TIFF of each is the same path with .tif)

For each mosaic:
- a .tess file (`tessera compress IN -o OUT.tess`, default settings; kept in bench-out/serve/tess/
  and reused while newer than its input);
- peers, built once and cached in bench-cache/ (reused while newer than the mosaic): a vips
  pyramidal TIFF (256² tiles, JPEG Q75) served by iipsrv (2 FastCGI processes behind nginx),
  and `vips dzsave` static tiles (256², overlap 0, JPEG Q75) served by nginx;
- one list of random tiles (BENCH_TILES, default 50 000; a level picked uniformly among every
  Deep Zoom level, then a tile uniformly within it; fixed seed), written as a URL list for each
  server: IIIF tile URLs for Tessera and iipsrv (the region in full-resolution pixels, size
  `w,`), static Deep Zoom paths for nginx (dzsave numbers levels the same way);
- a sanity check (a tile of every level from each server: a JPEG of the expected size), then
  wrk -t2 -c64 -dBENCH_DURATION (30 s; quick: 10 s) --latency over the list (bench/wrk-urls.lua):
  Tessera with --cache-mb 0 (cold: every tile rendered) and with --cache-mb 256 after one
  warm-up pass over the list (warm), iipsrv, nginx. Every server is started fresh for its run,
  so its peak RSS (VmHWM; iipsrv: its processes plus nginx's) is that run's.
Then Tessera serving 100 files (the two mosaics and 98 small ones): info.json and one tile of
each first, then wrk over both mosaics' lists; its VmHWM. Last, region decodes of each mosaic
served as a plain file by nginx (`tessera decompress http://…/x.tess --region`): latency and HTTP
requests, beside the local file.
Prints the table and the targets; writes the same Markdown to bench/results/bench-serve.md
(BENCH_QUICK=1: to bench-out/serve/bench-serve.md only).
"""
import datetime, glob, http.client, io, json, math, os, random, re, shutil, signal, socket, subprocess, sys, time

BIN = os.path.abspath(sys.argv[1])
HERE = os.path.dirname(os.path.abspath(__file__))
QUICK = os.environ.get("BENCH_QUICK", "0") == "1"
DURATION = int(os.environ.get("BENCH_DURATION", "10" if QUICK else "30"))
TILES = int(os.environ.get("BENCH_TILES", "50000"))
THREADS, CONNECTIONS = 2, 64
CACHE_MB = 256
OUT = os.path.abspath("bench-out/serve")
CACHE = os.path.abspath("bench-cache")
CORPUS = os.environ.get("TESSERA_CORPUS", "../shared/corpus")
LUA = os.path.join(HERE, "wrk-urls.lua")
RESULTS = os.path.join(HERE, "results", "bench-serve.md")
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
IIPSRV = "/usr/lib/iipimage-server/iipsrv.fcgi"
for d in ("tess", "lists", "logs", "hundred", "small"):
    os.makedirs(f"{OUT}/{d}", exist_ok=True)
try:
    from PIL import Image
except ImportError:
    Image = None


LOG = []


def log(msg=""):
    print(msg, flush=True)
    LOG.append(msg)


def run(cmd, **kw):
    r = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if r.returncode != 0:
        sys.exit(f"bench-serve: {' '.join(cmd)} failed: {r.stderr.strip()[-2000:]}")
    return r.stdout


def pnm_size(path):
    with open(path, "rb") as f:
        head = f.read(64).split()
    return int(head[1]), int(head[2])


def newer(path, than):
    return os.path.exists(path) and os.path.getmtime(path) > os.path.getmtime(than)


# ---- processes ---------------------------------------------------------------------------------
# Every server started is recorded in bench-out/serve/pids (pid and command name), so that the
# shell's trap EXIT (bench-serve.sh) can stop whatever an interrupted run leaves behind.
PROCS = []


def record_pids():
    with open(f"{OUT}/pids", "w") as f:
        for p in PROCS:
            if p.poll() is None:
                f.write(f"{p.pid} {os.path.basename(p.args[0])}\n")


def start(cmd, logname, env=None):
    logf = open(f"{OUT}/logs/{logname}.log", "ab")
    p = subprocess.Popen(cmd, stdout=logf, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    logf.close()
    PROCS.append(p)
    record_pids()
    return p


def stop(*procs, sig=signal.SIGTERM):
    for p in procs:
        if p.poll() is None:
            p.send_signal(sig)
    for p in procs:
        try:
            p.wait(timeout=15)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
        if p in PROCS:
            PROCS.remove(p)
    record_pids()


def stop_all():
    stop(*list(PROCS))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, proc, what, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            sys.exit(f"bench-serve: {what} exited at start (status {proc.returncode}); see {OUT}/logs/")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.05)
    sys.exit(f"bench-serve: {what} did not listen on port {port} within {timeout} s")


def get(port, path, timeout=60):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        c.request("GET", path)
        r = c.getresponse()
        return r.status, r.getheader("Content-Type", ""), r.read()
    finally:
        c.close()


def children(pid):
    out = []
    for stat in glob.glob("/proc/[0-9]*/stat"):
        try:
            with open(stat) as f:
                fields = f.read().rsplit(")", 1)[1].split()
            if int(fields[1]) == pid:
                out.append(int(stat.split("/")[2]))
        except (OSError, IndexError, ValueError):
            pass
    return out


def status_kb(pid, field):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def hwm_mb(pids):
    return sum(status_kb(p, "VmHWM") for p in pids) / 1024


def read_through(paths):
    """Reads files once so that every server starts with its data in the page cache."""
    for p in paths:
        if os.path.isdir(p):
            for root, _, names in os.walk(p):
                read_through(os.path.join(root, n) for n in names)
        else:
            with open(p, "rb") as f:
                while f.read(1 << 22):
                    pass


# ---- servers -----------------------------------------------------------------------------------
def start_tessera(folder, cache_mb):
    port = free_port()
    t0 = time.perf_counter()
    p = start([BIN, "serve", folder, "--host", "127.0.0.1", "--port", str(port), "--cache-mb", str(cache_mb),
               "--quiet"], f"tessera-{port}")
    wait_port(port, p, "tessera serve")
    while True:
        try:
            if get(port, "/healthz", timeout=5)[0] == 200:
                break
        except OSError:
            pass
        if time.perf_counter() - t0 > 60:
            sys.exit("bench-serve: tessera serve's /healthz did not answer 200 within 60 s")
        time.sleep(0.05)
    return dict(port=port, procs=[p], pids=lambda: [p.pid], startup_s=time.perf_counter() - t0)


def nginx_conf(name, port, body):
    """A whole nginx configuration of our own: loopback only, every path inside bench-out/serve."""
    root = f"{OUT}/nginx-{name}"
    os.makedirs(f"{root}/temp", exist_ok=True)
    user = ""
    if os.getuid() == 0:  # master as root: keep the workers as this user too, not nobody
        import grp, pwd
        user = f"user {pwd.getpwuid(os.getuid()).pw_name} {grp.getgrgid(os.getgid()).gr_name};"
    conf = f"""# written by bench/bench_serve.py
{user}
worker_processes {THREADS};
daemon off;
pid {root}/nginx.pid;
error_log {root}/error.log warn;
events {{ worker_connections 4096; }}
http {{
  access_log off;
  client_body_temp_path {root}/temp/body;
  proxy_temp_path {root}/temp/proxy;
  fastcgi_temp_path {root}/temp/fastcgi;
  uwsgi_temp_path {root}/temp/uwsgi;
  scgi_temp_path {root}/temp/scgi;
  types {{ image/jpeg jpg; application/xml dzi; }}
  default_type application/octet-stream;
  sendfile on;
  tcp_nopush on;
  tcp_nodelay on;
  keepalive_timeout 60;
  keepalive_requests 1000000;
  server {{
    listen 127.0.0.1:{port};
{body}
  }}
}}
"""
    path = f"{root}/nginx.conf"
    with open(path, "w") as f:
        f.write(conf)
    return root, path


def start_nginx(name, body):
    port = free_port()
    root, conf = nginx_conf(name, port, body)
    p = start([NGINX, "-p", root, "-c", conf, "-e", f"{root}/error.log"], f"nginx-{name}")
    wait_port(port, p, f"nginx ({conf})")
    return port, p


def start_static(dz_root):
    body = f"""    root {dz_root};
    open_file_cache max=100000 inactive=120s;
    open_file_cache_valid 120s;
    location / {{ try_files $uri =404; }}"""
    port, ng = start_nginx("static", body)
    return dict(port=port, procs=[ng], pids=lambda: [ng.pid] + children(ng.pid), startup_s=0)


def start_iipsrv(prefix, n=2):
    procs, servers = [], []
    for i in range(n):
        port = free_port()
        env = dict(os.environ, FILESYSTEM_PREFIX=prefix.rstrip("/") + "/", VERBOSITY="1",
                   LOGFILE=f"{OUT}/logs/iipsrv-{i}.log", JPEG_QUALITY="75")
        p = start([IIPSRV, "--bind", f"127.0.0.1:{port}"], f"iipsrv-{i}-stdout", env=env)
        wait_port(port, p, "iipsrv")
        procs.append(p)
        servers.append(f"    server 127.0.0.1:{port};")
    # The upstream block must sit in http{}: pass it through the server body's location instead
    # of a second template, by giving it its own include file.
    root = f"{OUT}/nginx-iipsrv"
    os.makedirs(root, exist_ok=True)
    with open(f"{root}/upstream.conf", "w") as f:
        f.write("upstream iipsrv {\n" + "\n".join(servers) + "\n  }\n")
    body = """    location /fcgi-bin/iipsrv.fcgi {
      fastcgi_pass iipsrv;
      fastcgi_param QUERY_STRING $query_string;
      fastcgi_param REQUEST_METHOD $request_method;
      fastcgi_param REQUEST_URI $request_uri;
      fastcgi_param SCRIPT_NAME $fastcgi_script_name;
      fastcgi_param SERVER_NAME $server_name;
      fastcgi_param SERVER_PORT $server_port;
      fastcgi_param SERVER_PROTOCOL $server_protocol;
      fastcgi_param HTTP_HOST $host;
    }"""
    port = free_port()
    root, conf = nginx_conf("iipsrv", port, body)
    with open(conf) as f:
        text = f.read()
    with open(conf, "w") as f:
        f.write(text.replace("  server {\n", f"  include {root}/upstream.conf;\n  server {{\n", 1))
    ng = start([NGINX, "-p", root, "-c", conf, "-e", f"{root}/error.log"], "nginx-iipsrv")
    wait_port(port, ng, f"nginx ({conf})")
    return dict(port=port, procs=procs + [ng],
                pids=lambda: [p.pid for p in procs] + [ng.pid] + children(ng.pid), startup_s=0,
                iip_pids=lambda: [p.pid for p in procs])


# ---- wrk ---------------------------------------------------------------------------------------
def wrk(port, urls, label, duration=DURATION):
    env = dict(os.environ, WRK_URLS=urls, WRK_THREADS=str(THREADS))
    cmd = ["wrk", f"-t{THREADS}", f"-c{CONNECTIONS}", f"-d{duration}s", "--latency", "--timeout", "10s",
           "-s", LUA, f"http://127.0.0.1:{port}"]
    r = subprocess.run(cmd, capture_output=True, text=True, env=env)
    with open(f"{OUT}/logs/wrk-{label}.txt", "w") as f:
        f.write(" ".join(cmd) + "\n" + r.stdout + r.stderr)
    line = next((l for l in r.stdout.splitlines() if l.startswith("wrk-json ")), None)
    if r.returncode != 0 or line is None:
        sys.exit(f"bench-serve: wrk failed ({label}): {r.stderr.strip() or r.stdout.strip()}")
    j = json.loads(line[len("wrk-json "):])
    j["seconds"] = j["duration_us"] / 1e6
    j["rate"] = j["requests"] / j["seconds"]
    j["errors"] = j["status"] + j["connect"] + j["read"] + j["write"] + j["timeout"]
    j["kb_per_tile"] = j["bytes"] / max(1, j["requests"]) / 1024
    return j


def warm_up(port, paths, workers=16):
    """One pass over the list (each of `workers` keep-alive connections takes every workers-th
    entry): the cache is filled as wrk's run will find it. wrk cannot do this: it always runs for
    its whole -d. Returns (seconds, requests, failures)."""
    import threading
    failed = [0] * workers

    def work(k):
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        for path in paths[k::workers]:
            try:
                c.request("GET", path)
                r = c.getresponse()
                r.read()
                failed[k] += r.status != 200
            except (OSError, http.client.HTTPException):
                failed[k] += 1
                c.close()
                c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        c.close()

    t0 = time.perf_counter()
    ts = [threading.Thread(target=work, args=(k,)) for k in range(workers)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return time.perf_counter() - t0, len(paths), sum(failed)


# ---- inputs ------------------------------------------------------------------------------------
def same_size(tess, src):
    if not src.endswith((".pgm", ".ppm")):
        return True
    info = json.loads(run([BIN, "info", tess, "--json"]))
    return (info.get("width"), info.get("height")) == pnm_size(src)


def compress(src, out, reuse=()):
    if newer(out, src) and same_size(out, src):
        return "reused"
    for cand in reuse:  # an identical file made by another benchmark (default settings too)
        if newer(cand, src):
            if same_size(cand, src):
                if os.path.exists(out):
                    os.remove(out)
                try:
                    os.link(cand, out)
                except OSError:
                    shutil.copy2(cand, out)
                return f"linked from {cand}"
    t0 = time.perf_counter()
    run([BIN, "compress", src, "-o", out])
    return f"compressed in {time.perf_counter() - t0:.1f} s"


def pyramid(tif):
    out = tif[:-4] + "-pyramid.tif"
    if newer(out, tif):
        return out, "reused"
    t0 = time.perf_counter()
    tmp = out + ".tmp.tif"
    run(["vips", "tiffsave", tif, tmp, "--tile", "--tile-width", "256", "--tile-height", "256", "--pyramid",
         "--compression", "jpeg", "--Q", "75", "--bigtiff"])
    os.replace(tmp, out)
    return out, f"built in {time.perf_counter() - t0:.1f} s"


def dzsave(tif):
    out = tif[:-4] + "-dz"
    if newer(f"{out}/image.dzi", tif):
        return out, "reused"
    t0 = time.perf_counter()
    tmp = out + ".tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)
    run(["vips", "dzsave", tif, f"{tmp}/image", "--tile-size", "256", "--overlap", "0", "--suffix", ".jpg[Q=75]"])
    shutil.rmtree(out, ignore_errors=True)
    os.replace(tmp, out)
    return out, f"built in {time.perf_counter() - t0:.1f} s"


def tiles(width, height, n, seed):
    """n random Deep Zoom tiles: a level uniformly among 0 ... maxLevel, then a tile uniformly."""
    max_level = math.ceil(math.log2(max(width, height)))
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        level = rng.randint(0, max_level)
        s = 1 << (max_level - level)
        lw, lh = -(-width // s), -(-height // s)
        col, row = rng.randrange(-(-lw // 256)), rng.randrange(-(-lh // 256))
        x, y = col * 256 * s, row * 256 * s
        out.append(dict(level=level, col=col, row=row, x=x, y=y, w=min(256 * s, width - x), h=min(256 * s, height - y),
                        ow=min(256, lw - col * 256), oh=min(256, lh - row * 256)))
    return out, max_level


def iiif_path(prefix, t):
    return f"{prefix}/{t['x']},{t['y']},{t['w']},{t['h']}/{t['ow']},/0/default.jpg"


def url_lists(name, tl, pyr):
    lists = {
        "tessera": [iiif_path(f"/iiif/3/{name}", t) for t in tl],
        "iipsrv": [iiif_path(f"/fcgi-bin/iipsrv.fcgi?IIIF={os.path.basename(pyr)}", t) for t in tl],
        "nginx": [f"/image_files/{t['level']}/{t['col']}_{t['row']}.jpg" for t in tl],
        # Tessera's own Deep Zoom tiles: only in the sanity check (the same tiles, other URLs).
        "tessera-dzi": [f"/dzi/{name}_files/{t['level']}/{t['col']}_{t['row']}.jpg" for t in tl],
    }
    files = {}
    for k, v in lists.items():
        files[k] = f"{OUT}/lists/{name}-{k}.txt"
        with open(files[k], "w") as f:
            f.write("\n".join(v) + "\n")
    return lists, files


# ---- sanity ------------------------------------------------------------------------------------
def psnr(a, b):
    import math as m
    if a.size != b.size:
        return float("nan")
    a, b = a.convert("L"), b.convert("L")
    pa, pb = a.tobytes(), b.tobytes()
    mse = sum((x - y) ** 2 for x, y in zip(pa, pb)) / max(1, len(pa))
    return float("inf") if mse == 0 else 10 * m.log10(255 * 255 / mse)


def vips_size(body):
    tmp = f"{OUT}/logs/sanity-tile.jpg"
    with open(tmp, "wb") as f:
        f.write(body)
    r = subprocess.run(["vipsheader", "-f", "vips-loader", tmp], capture_output=True, text=True)
    if r.returncode != 0 or not body.startswith(b"\xff\xd8\xff"):
        return ("not a JPEG", r.stderr.strip()[:100])
    w = subprocess.run(["vipsheader", "-f", "width", tmp], capture_output=True, text=True).stdout.strip()
    h = subprocess.run(["vipsheader", "-f", "height", tmp], capture_output=True, text=True).stdout.strip()
    return (r.stdout.strip(), int(w), int(h))


def sanity(name, servers, tl, lists, max_level):
    """A tile of every level (the last tile of the level, at its edge, and a random one) from each
    server: it must be a JPEG of the tile's width x height. Returns the failures."""
    picks, seen = [], set()
    for level in range(max_level + 1):
        idx = [i for i, t in enumerate(tl) if t["level"] == level]
        if idx:
            last = max(idx, key=lambda i: (tl[i]["row"], tl[i]["col"]))
            for i in (idx[0], last):
                if i not in seen:
                    seen.add(i)
                    picks.append(i)
    failures, got = [], {}
    for server, port in servers.items():
        for i in picks:
            t = tl[i]
            path = lists[server][i]
            try:
                status, ctype, body = get(port, path)
            except OSError as e:
                failures.append(f"{server} {path}: {e}")
                continue
            if status != 200:
                failures.append(f"{server} {path}: HTTP {status} {body[:120]!r}")
                continue
            if Image is None:  # vipsheader instead: format and size, no pixels kept
                size = vips_size(body)
                if size != ("jpegload", t["ow"], t["oh"]):
                    failures.append(f"{server} {path}: {size}, expected JPEG {t['ow']}x{t['oh']}")
                continue
            try:
                im = Image.open(io.BytesIO(body))
                im.load()
            except Exception as e:  # noqa: BLE001 - any decoding failure is the finding
                failures.append(f"{server} {path}: not a valid image ({e})")
                continue
            if im.format != "JPEG" or im.size != (t["ow"], t["oh"]):
                failures.append(f"{server} {path}: {im.format} {im.size[0]}x{im.size[1]}, expected JPEG "
                                f"{t['ow']}x{t['oh']}")
                continue
            got[(server, i)] = im
    # How close the servers' tiles are to dzsave's (informative: all are lossy, Tessera at its
    # own quality): a wrong region would show as a very low PSNR.
    close = {}
    for server in servers:
        if server in ("nginx", "tessera-dzi"):
            continue
        vals = [psnr(got[(server, i)], got[("nginx", i)]) for i in picks
                if (server, i) in got and ("nginx", i) in got and got[(server, i)].size[0] * got[(server, i)].size[1] >= 64]
        vals = [v for v in vals if not math.isnan(v)]
        if vals:
            close[server] = (min(vals), sorted(vals)[len(vals) // 2])
    return len(picks), failures, close


def by_level(servers, tl, lists, max_level, per_level=8):
    """Latency of single requests, one keep-alive connection, nothing else running: the median
    (ms) by level for each server, over the first per_level tiles of each level in the list."""
    out = {}
    for server, port in servers.items():
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        med = {}
        for level in range(max_level + 1):
            idx = [i for i, t in enumerate(tl) if t["level"] == level][:per_level]
            ms = []
            for i in idx:
                t0 = time.perf_counter()
                c.request("GET", lists[server][i])
                r = c.getresponse()
                r.read()
                ms.append((time.perf_counter() - t0) * 1e3)
            if ms:
                med[level] = sorted(ms)[len(ms) // 2]
        c.close()
        out[server] = med
    return out


def metrics(port, label):
    """Tessera's cache counters after a run (all of /metrics is kept in bench-out/serve/logs/)."""
    try:
        _, _, body = get(port, "/metrics")
    except OSError:
        return
    text = body.decode(errors="replace")
    with open(f"{OUT}/logs/metrics-{label}.txt", "w") as f:
        f.write(text)
    keep = [l for l in text.splitlines() if "cache" in l and not l.startswith("#")]
    if keep:
        log("   tessera /metrics: " + "; ".join(keep[:10]))


# ---- the run -----------------------------------------------------------------------------------
def main():
    if Image is None:
        log("bench-serve: PIL not found: the sanity check reads tiles with vipsheader (no PSNR)")
    for tool in ("wrk", "vips", NGINX, IIPSRV):
        if not shutil.which(tool) and not os.access(tool, os.X_OK):
            sys.exit(f"bench-serve: {tool} not found (make bench-serve installs iipimage-server nginx-light wrk libvips-tools)")
    started = time.time()
    images = []
    for name, pnm in (("grey", sys.argv[2]), ("colour", sys.argv[3])):
        pnm = os.path.abspath(pnm)
        tif = os.path.splitext(pnm)[0] + ".tif"
        width, height = pnm_size(pnm)
        # One folder per image and size, served alone by its tessera processes.
        folder = f"{OUT}/tess/{name}-{width}x{height}"
        os.makedirs(folder, exist_ok=True)
        tess = f"{folder}/{name}.tess"
        how = compress(pnm, tess, reuse=[os.path.abspath("bench-out/levels/grey-vq.tess")] if name == "grey" else [])
        log(f"== {name}: {os.path.relpath(pnm)} ({width}x{height}, {width * height / 1e6:.0f} MP)")
        log(f"   tessera: {tess} {os.path.getsize(tess)} bytes ({how})")
        pyr, how = pyramid(tif)
        log(f"   vips pyramid: {pyr} {os.path.getsize(pyr)} bytes ({how})")
        dz, how = dzsave(tif)
        log(f"   vips dzsave: {dz}/image_files ({how})")
        tl, max_level = tiles(width, height, TILES, seed=2025 + len(images))
        lists, files = url_lists(name, tl, pyr)
        images.append(dict(name=name, folder=folder, pnm=pnm, width=width, height=height, tess=tess, pyr=pyr, dz=dz, tl=tl,
                           max_level=max_level, lists=lists, files=files))
        log(f"   {TILES} random tiles over levels 0 ... {max_level}: {len(set(lists['nginx']))} distinct; "
            f"lists in {OUT}/lists/{name}-*.txt")
    log(f"   (inputs ready after {time.time() - started:.0f} s)")

    rows, failures, notes = [], [], []
    for im in images:
        name = im["name"]
        log(f"\n== {name}: wrk -t{THREADS} -c{CONNECTIONS} -d{DURATION}s --latency over the list")
        read_through([im["tess"], im["pyr"], im["dz"]])

        # Sanity first, with every server up at once (then each is restarted fresh for its run).
        t = start_tessera(im["folder"], 0)
        ii = start_iipsrv(os.path.dirname(im["pyr"]))
        ng = start_static(im["dz"])
        n, bad, close = sanity(name, {"tessera": t["port"], "tessera-dzi": t["port"], "iipsrv": ii["port"],
                                      "nginx": ng["port"]}, im["tl"], im["lists"], im["max_level"])
        # Tessera's .dzi must describe the same pyramid as dzsave's.
        status, _, body = get(t["port"], f"/dzi/{name}.dzi")
        want = {"TileSize": "256", "Overlap": "0", "Width": str(im["width"]), "Height": str(im["height"])}
        text = body.decode(errors="replace")
        got_dzi = {k: (re.search(rf'{k}="([^"]*)"', text) or [None, None])[1] for k in want}
        if status != 200 or got_dzi != want:
            bad.append(f"tessera /dzi/{name}.dzi: HTTP {status}, {got_dzi}, expected {want}")
        lat = by_level({"tessera": t["port"], "iipsrv": ii["port"], "nginx": ng["port"]}, im["tl"], im["lists"],
                       im["max_level"])
        im["by_level"] = lat
        stop(*t["procs"], *ii["procs"], *ng["procs"])
        log(f"   sanity: {n} tiles (every level, its first and its edge tile) from each server (tessera: IIIF "
            "and /dzi/): " + ("all valid JPEGs of the expected size" if not bad else f"{len(bad)} FAILED"))
        for b in bad:
            log(f"     FAIL {b}")
        failures += [f"{name}: {b}" for b in bad]
        for server, med in lat.items():
            label = "tessera --cache-mb 0" if server == "tessera" else server
            log(f"   one request at a time, median ms by level, {label}: " +
                ", ".join(f"{lv}: {v:.1f}" for lv, v in med.items()))
        if close:
            log("   PSNR against the dzsave tile (min / median): " +
                ", ".join(f"{k} {a:.1f} / {b:.1f} dB" for k, (a, b) in close.items()))

        failed = {b.split()[0] for b in bad}

        def measure(server, mode, srv, urls, extra=None):
            r = wrk(srv["port"], urls, f"{name}-{server}-{mode}")
            r.update(server=server, mode=mode, image=name, rss=hwm_mb(srv["pids"]()), **(extra or {}))
            r["sanity_failed"] = server in failed or (server == "tessera" and "tessera-dzi" in failed)
            if server == "iipsrv":
                r["rss_detail"] = f"iipsrv {hwm_mb(srv['iip_pids']()):.0f} + nginx {r['rss'] - hwm_mb(srv['iip_pids']()):.0f}"
            rows.append(r)
            log(f"   {server:8} {mode:5} {r['rate']:8.0f} tiles/s  p50 {r['p50_us'] / 1e3:6.2f} ms  p99 "
                f"{r['p99_us'] / 1e3:7.2f} ms  errors {r['errors']} (non-2xx {r['status']}, socket "
                f"{r['connect']}/{r['read']}/{r['write']}/{r['timeout']})  {r['kb_per_tile']:.1f} KB/tile  peak RSS "
                f"{r['rss']:.0f} MB" + (f" ({r['rss_detail']})" if "rss_detail" in r else ""))
            return r

        t = start_tessera(im["folder"], 0)
        measure("tessera", "cold", t, im["files"]["tessera"], dict(startup_s=t["startup_s"]))
        metrics(t["port"], f"{name}-cold")
        stop(*t["procs"])

        t = start_tessera(im["folder"], CACHE_MB)
        secs, n, bad = warm_up(t["port"], im["lists"]["tessera"])
        log(f"   tessera  warm-up pass over the list (16 Python connections): {n} requests in {secs:.1f} s "
            f"({n / secs:.0f}/s), {bad} failed")
        if bad:
            failures.append(f"{name}: {bad} requests of tessera's warm-up pass failed")
        measure("tessera", "warm", t, im["files"]["tessera"])
        metrics(t["port"], f"{name}-warm")
        stop(*t["procs"])

        ii = start_iipsrv(os.path.dirname(im["pyr"]))
        measure("iipsrv", "", ii, im["files"]["iipsrv"])
        stop(*ii["procs"])

        ng = start_static(im["dz"])
        measure("nginx", "", ng, im["files"]["nginx"])
        stop(*ng["procs"])

    # ---- 100 files open --------------------------------------------------------------------------
    log("\n== tessera serving 100 files (the two mosaics and 98 small ones)")
    hundred = f"{OUT}/hundred"
    for f in glob.glob(f"{hundred}/*.tess"):
        os.remove(f)
    for im in images:
        os.link(im["tess"], f"{hundred}/{im['name']}.tess")
    kodak = sorted(glob.glob(f"{CORPUS}/kodak/*.png"))[:12]
    if not kodak:
        sys.exit(f"bench-serve: no Kodak images under {CORPUS}/kodak (set TESSERA_CORPUS)")
    small = []
    for png in kodak:
        out = f"{OUT}/small/{os.path.splitext(os.path.basename(png))[0]}.tess"
        compress(png, out)
        small.append(out)
    ids = [im["name"] for im in images]
    for k in range(98):  # copies, not links: 98 distinct files (inodes) to open and map
        src = small[k % len(small)]
        ident = f"small-{k:02d}-{os.path.basename(src)[:-5]}"
        shutil.copyfile(src, f"{hundred}/{ident}.tess")
        ids.append(ident)
    t = start_tessera(hundred, CACHE_MB)
    bad = 0
    for ident in ids:
        s1, _, _ = get(t["port"], f"/iiif/3/{ident}/info.json")
        s2, _, body = get(t["port"], f"/iiif/3/{ident}/0,0,256,256/256,/0/default.jpg")
        bad += (s1 != 200) + (s2 != 200 or body[:3] != b"\xff\xd8\xff")
    pid = t["procs"][0].pid
    fds = len(os.listdir(f"/proc/{pid}/fd"))
    before = hwm_mb([pid])
    log(f"   info.json and one tile of each of the {len(ids)} identifiers: {bad} failed; VmHWM {before:.0f} MB, "
        f"{fds} file descriptors open")
    if bad:
        failures.append(f"100 files: {bad} of the info.json / first-tile requests failed")
    mixed = f"{OUT}/lists/mixed-tessera.txt"
    a, b = images[0]["lists"]["tessera"], images[1]["lists"]["tessera"]
    with open(mixed, "w") as f:
        for x, y in zip(a, b):
            f.write(f"{x}\n{y}\n")
    r = wrk(t["port"], mixed, "hundred-tessera")
    r.update(rss=hwm_mb([pid]), rss_before=before, fds=fds)
    log(f"   wrk over both mosaics' lists (interleaved), --cache-mb {CACHE_MB}: {r['rate']:.0f} tiles/s, p99 "
        f"{r['p99_us'] / 1e3:.2f} ms, errors {r['errors']}; VmHWM after {r['rss']:.0f} MB, VmRSS "
        f"{status_kb(pid, 'VmRSS') / 1024:.0f} MB")
    metrics(t["port"], "hundred")
    hundred_row = r
    stop(*t["procs"])

    remote_rows = remote_regions(images)

    report(images, rows, hundred_row, failures, time.time() - started, remote_rows)
    return 1 if failures else 0


def remote_regions(images, per_size=9):
    """Region decodes of the mosaics served as plain files by nginx on loopback
    (`tessera decompress https?://…/x.tess --region … --json`): latency from a fresh process, and
    the HTTP requests made (target: at most 3 plus one per run of adjacent tiles), beside the same
    decode of the local file."""
    log("\n== remote region decode: tessera decompress http://127.0.0.1:PORT/x.tess --region (nginx, loopback)")
    rows = []
    rng = random.Random(7)
    for im in images:
        body = f"""    root {im['folder']};
    location / {{ try_files $uri =404; }}"""
        port, ng = start_nginx("remote", body)
        url = f"http://127.0.0.1:{port}/{im['name']}.tess"
        for size in (256, 1024, 4096):
            remote_ms, local_ms, requests = [], [], []
            for _ in range(per_size):
                x = rng.randrange(0, im["width"] - size + 1)
                y = rng.randrange(0, im["height"] - size + 1)
                region = f"{x},{y},{size},{size}"
                for src, times in ((url, remote_ms), (im["tess"], local_ms)):
                    t0 = time.perf_counter()
                    out = subprocess.run([BIN, "decompress", src, "-o", f"{OUT}/remote.pgm" if im["name"] == "grey" else
                                          f"{OUT}/remote.ppm", "--region", region, "--json"],
                                         capture_output=True, text=True)
                    times.append((time.perf_counter() - t0) * 1e3)
                    if out.returncode != 0:
                        sys.exit(f"bench-serve: remote decode of {src} {region} failed: {out.stderr.strip()}")
                    if src == url:
                        requests.append(json.loads(out.stdout.strip().splitlines()[-1])["http_requests"])
            med = lambda v: sorted(v)[len(v) // 2]
            tiles_side = size // 256 + 1
            row = dict(image=im["name"], size=size, remote=med(remote_ms), local=med(local_ms),
                       requests_max=max(requests), requests_med=med(requests), rows_of_tiles=tiles_side)
            rows.append(row)
            log(f"   {im['name']} {size}² regions: remote median {row['remote']:.1f} ms, local {row['local']:.1f} ms; "
                f"HTTP requests median {row['requests_med']}, max {row['requests_max']} "
                f"(the region spans at most {tiles_side} rows of tiles: bound 3 + {tiles_side})")
        stop(ng)
    return rows


def fmt_ms(us):
    return f"{us / 1e3:.2f}"


def report(images, rows, hundred, failures, elapsed, remote_rows=()):
    label = {("tessera", "cold"): f"tessera serve --cache-mb 0 (cold)",
             ("tessera", "warm"): f"tessera serve --cache-mb {CACHE_MB} (warm)",
             ("iipsrv", ""): "iipsrv ×2 FastCGI + nginx (vips pyramid TIFF)",
             ("nginx", ""): "nginx static (vips dzsave)"}
    lines = []
    lines.append("| server | image | tiles/s | p50 ms | p99 ms | errors | KB/tile | peak RSS MB |")
    lines.append("|---|---|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        rss = f"{r['rss']:.0f}" + (f" ({r['rss_detail']})" if "rss_detail" in r else "")
        flag = " (sanity check FAILED)" if r.get("sanity_failed") else ""
        lines.append(f"| {label[(r['server'], r['mode'])]}{flag} | {r['image']} | {r['rate']:.0f} | {fmt_ms(r['p50_us'])} | "
                     f"{fmt_ms(r['p99_us'])} | {r['errors']} | {r['kb_per_tile']:.1f} | {rss} |")
    lines.append(f"| tessera serve, 100 files open, --cache-mb {CACHE_MB} | grey + colour | {hundred['rate']:.0f} | "
                 f"{fmt_ms(hundred['p50_us'])} | {fmt_ms(hundred['p99_us'])} | {hundred['errors']} | "
                 f"{hundred['kb_per_tile']:.1f} | {hundred['rss']:.0f} |")
    by = {(r["server"], r["mode"], r["image"]): r for r in rows}
    targets = []

    def target(what, value, ok, goal):
        targets.append(f"| {what} | {value} | {goal} | {'PASS' if ok else 'FAIL'} |")

    for im in images:
        n = im["name"]
        cold, warm, iip, ng = (by[("tessera", "cold", n)], by[("tessera", "warm", n)], by[("iipsrv", "", n)],
                               by[("nginx", "", n)])
        for r, mode in ((cold, "cold"), (warm, "warm")):
            x = r["rate"] / iip["rate"]
            target(f"{n}: tessera {mode} ÷ iipsrv tiles/s", f"{x:.2f}×", x >= 2, "≥ 2×")
        for r, mode in ((cold, "cold"), (warm, "warm")):
            target(f"{n}: tessera {mode} p99", f"{fmt_ms(r['p99_us'])} ms", r["p99_us"] <= 20000, "≤ 20 ms")
        x = warm["rate"] / ng["rate"]
        target(f"{n}: tessera warm ÷ nginx static tiles/s", f"{x:.3f}", x >= 0.5, "≥ 0.5 (within 2×)")
    errs = sum(r["errors"] for r in rows if r["server"] == "tessera") + hundred["errors"]
    target("tessera errors (every run)", str(errs), errs == 0, "0")
    target("tessera VmHWM, 100 files open, after wrk", f"{hundred['rss']:.0f} MB", hundred["rss"] <= 256, "≤ 256 MB")
    for r in remote_rows:
        bound = 3 + r["rows_of_tiles"]
        target(f"remote {r['image']} {r['size']}² region: HTTP requests (max)", str(r["requests_max"]),
               r["requests_max"] <= bound, f"≤ 3 + rows of tiles = {bound}")
    target("sanity check (valid JPEGs of the expected size, every server)",
           "ok" if not failures else f"{len(failures)} failures", not failures, "all")

    details = "\n".join(l for l in LOG if l.strip()).strip("\n")
    table = "\n".join(lines)
    levels = []
    for im in images:
        lat = im["by_level"]
        levels.append(f"\n{im['name']} ({im['width']}×{im['height']}), one request at a time on one connection, "
                      f"median ms of the first 8 tiles of each level in the list:\n")
        levels.append("| level | " + " | ".join(str(lv) for lv in lat["tessera"]) + " |")
        levels.append("|---|" + "---:|" * len(lat["tessera"]))
        for server, med in lat.items():
            name = "tessera (--cache-mb 0)" if server == "tessera" else server
            levels.append(f"| {name} | " + " | ".join(f"{v:.1f}" for v in med.values()) + " |")
    ltable = "\n".join(levels)
    ttable = "| target | measured | goal | |\n|---|---:|---|---|\n" + "\n".join(targets)
    if remote_rows:
        ltable += ("\n\nRemote region decode (`tessera decompress http://127.0.0.1:PORT/x.tess --region X,Y,S,S`, nginx on "
                   "loopback serving the .tess files; a fresh process each, median of 9 random regions):\n\n"
                   "| image | region | remote ms | local ms | HTTP requests (median / max) |\n|---|---:|---:|---:|---:|\n"
                   + "\n".join(f"| {r['image']} | {r['size']}² | {r['remote']:.1f} | {r['local']:.1f} | "
                                f"{r['requests_med']} / {r['requests_max']} |" for r in remote_rows))
    log("\n" + table + "\n\n" + ttable + "\n" + ltable)
    log(f"\n(whole run {elapsed / 60:.1f} min)")

    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "Sources"], capture_output=True, text=True).stdout.strip()
    except OSError:
        commit, dirty = "?", ""
    cmd = ("BENCH_QUICK=1 " if QUICK else "") + "make bench-serve"
    inputs = ", ".join(f"{im['name']} {im['width']}×{im['height']} ({im['width'] * im['height'] / 1e6:.0f} MP, "
                       f"{os.path.getsize(im['tess'])} bytes .tess, {os.path.getsize(im['pyr'])} bytes pyramid TIFF)"
                       for im in images)
    md = f"""# make bench-serve — tile serving: tessera serve vs iipsrv and nginx

`{cmd}`, {datetime.date.today().isoformat()}, commit {commit}{' (Sources/ with uncommitted changes)' if dirty else ''}; machine: 2 cores, shared (wrk runs on the same 2 cores as the server); whole run {elapsed / 60:.1f} min.

Inputs: {inputs}. Each server's run: `wrk -t{THREADS} -c{CONNECTIONS} -d{DURATION}s --latency` on loopback over
one list of {TILES} random tiles per image (a Deep Zoom level picked uniformly among all of them, then a tile
uniformly; 256² tiles; fixed seed), the same tiles for every server: IIIF `/x,y,w,h/w,/0/default.jpg` for Tessera
and iipsrv, dzsave's `image_files/LEVEL/COL_ROW.jpg` for nginx. Tessera: default compress settings, served JPEG
quality 85 (its default); iipsrv and dzsave: JPEG Q75. Cold: `--cache-mb 0` (every tile rendered); warm: the
default `--cache-mb {CACHE_MB}` after one pass over the list. iipsrv: 2 FastCGI processes behind nginx (2 workers);
nginx static: 2 workers, sendfile, open_file_cache. Errors: wrk's non-2xx/3xx responses plus socket errors. Peak
RSS: VmHWM (iipsrv: its processes plus nginx's master and workers), each server started fresh for its run. Last
row: one tessera process serving 100 .tess files (the two mosaics and 98 small Kodak files), info.json and one
tile of each requested first, then wrk over both lists interleaved.

{table}

{ttable}
{ltable}

The run's log (peaks, sanity check, warm-up, cache metrics; wrk's own output is in bench-out/serve/logs/):

```
{details}
```
"""
    if failures:
        md += "\nSanity failures:\n\n" + "\n".join(f"- {f}" for f in failures) + "\n"
    with open(f"{OUT}/bench-serve.md", "w") as f:
        f.write(md)
    if not QUICK:
        with open(RESULTS, "w") as f:
            f.write(md)
        log(f"wrote {RESULTS}")
    else:
        log(f"wrote {OUT}/bench-serve.md (quick run: bench/results/ is left alone)")


if __name__ == "__main__":
    # SIGTERM (the shell's trap, a killed job) ends the run through the finally below.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        code = main()
    finally:
        stop_all()
    sys.exit(code)
