#!/usr/bin/env python3
"""The field app's weight on a village link: Chromium (headless, fresh profile, 390x844) with
DevTools network throttling (400 kbit/s each way, 400 ms round trip) opens the app through a
byte-counting TCP proxy in front of `tongchou serve`. Per round, three loads:
  cold   the first visit: from navigation to the login form ready to use;
  login  logging in as a grid worker until the task list is drawn;
  keep   then until the service worker has kept every asset for offline use (in the background);
  repeat opening the app again (service worker in place) until the task list is drawn.
Bytes are what crossed the proxy (headers and compressed bodies, both directions); times are
wall clock from the navigation (or the click) to the element. Prints each round and the medians.
  field_weight.py SERVER_URL USER PASSWORD [ROUNDS]
Needs chromium and chromium-driver (Debian) and nothing else (standard library only)."""

import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

KBIT = 400
RTT_MS = 400


class CountingProxy:
    """Forwards 127.0.0.1:<port> to the server and counts every byte either way."""

    def __init__(self, upstream_port):
        self.upstream = ("127.0.0.1", upstream_port)
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.bytes = 0
        self.lock = threading.Lock()
        threading.Thread(target=self.accept, daemon=True).start()

    def accept(self):
        while True:
            client, _ = self.sock.accept()
            server = socket.create_connection(self.upstream)
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=self.pipe, args=(a, b), daemon=True).start()

    def pipe(self, src, dst):
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                with self.lock:
                    self.bytes += len(data)
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def take(self):
        with self.lock:
            n, self.bytes = self.bytes, 0
        return n


def call(method, url, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=120) as r:
        return json.loads(r.read() or b"null").get("value")


class Browser:
    def __init__(self):
        port = free_port()
        self.driver = subprocess.Popen(["chromedriver", f"--port={port}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                call("GET", self.base + "/status")
                break
            except OSError:
                time.sleep(0.1)
        self.profile = tempfile.mkdtemp(prefix="tongchou-weight-")
        args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", f"--user-data-dir={self.profile}", "--window-size=390,844", "--lang=zh-CN"]
        caps = {"capabilities": {"alwaysMatch": {"browserName": "chrome", "goog:chromeOptions": {"binary": "/usr/bin/chromium", "args": args}}}}
        self.session = call("POST", self.base + "/session", caps)["sessionId"]

    def cmd(self, method, path, body=None):
        return call(method, f"{self.base}/session/{self.session}{path}", body if body is not None else ({} if method == "POST" else None))

    def cdp(self, cmd, params):
        return self.cmd("POST", "/goog/cdp/execute", {"cmd": cmd, "params": params})

    def script(self, js, *args):
        return self.cmd("POST", "/execute/sync", {"script": js, "args": list(args)})

    def wait(self, css, text="", timeout=60):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.script("return [...document.querySelectorAll(arguments[0])].some(e => e.textContent.includes(arguments[1]))", css, text):
                return
            time.sleep(0.05)
        raise TimeoutError(f"{css} {text!r}: {self.script('return document.body.innerText')}")

    def close(self):
        try:
            call("DELETE", f"{self.base}/session/{self.session}")
        finally:
            self.driver.kill()


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def one_round(proxy, user, password):
    b = Browser()
    try:
        b.cdp("Network.enable", {})
        b.cdp("Network.emulateNetworkConditions", {"offline": False, "latency": RTT_MS,
              "downloadThroughput": KBIT * 1000 / 8, "uploadThroughput": KBIT * 1000 / 8})
        app = f"http://127.0.0.1:{proxy.port}"
        out = {}
        proxy.take()
        t0 = time.time()
        b.cmd("POST", "/url", {"url": app + "/#/login"})
        b.wait("#login-btn")
        out["cold"] = (time.time() - t0, proxy.take())
        b.script("document.querySelector('#username').value = arguments[0]; document.querySelector('#password').value = arguments[1];", user, password)
        t0 = time.time()
        b.script("document.querySelector('#login-btn').click()")
        b.wait("h1", "今日任务")
        out["login"] = (time.time() - t0, proxy.take())
        # Then the service worker keeps every asset for offline use (the map library included),
        # in the background: the task list is already usable.
        t0 = time.time()
        b.cmd("POST", "/execute/async", {"script": "const done = arguments[arguments.length - 1]; navigator.serviceWorker.ready.then(() => done(true));", "args": []})
        out["keep"] = (time.time() - t0, proxy.take())
        # The worker's own grid on the map: Leaflet, its styles, the boundaries, the households.
        t0 = time.time()
        b.cmd("POST", "/url", {"url": app + "/#/grid/" + user.removeprefix("gw_")})
        b.wait("#grid-map path.leaflet-interactive")
        b.wait("#grid-map .map-cluster, #grid-map path.leaflet-interactive")
        out["map"] = (time.time() - t0, proxy.take())
        time.sleep(2)
        b.cmd("POST", "/url", {"url": "about:blank"})
        proxy.take()
        t0 = time.time()
        b.cmd("POST", "/url", {"url": app + "/#/tasks"})
        b.wait("h1", "今日任务")
        out["repeat"] = (time.time() - t0, proxy.take())
        return out
    finally:
        b.close()


def main():
    server, user, password = sys.argv[1:4]
    rounds = int(sys.argv[4]) if len(sys.argv) > 4 else 5
    proxy = CountingProxy(int(server.rsplit(":", 1)[1]))
    print(f"link: {KBIT} kbit/s each way, {RTT_MS} ms round trip (Chromium DevTools throttling); {rounds} rounds")
    results = []
    for i in range(rounds):
        r = one_round(proxy, user, password)
        results.append(r)
        print(f"round {i + 1}: " + "; ".join(f"{k} {t:.2f} s {n / 1024:.1f} KB" for k, (t, n) in r.items()), flush=True)
    for k in ("cold", "login", "keep", "map", "repeat"):
        t = statistics.median(r[k][0] for r in results)
        n = statistics.median(r[k][1] for r in results)
        print(f"median {k}: {t:.2f} s, {n / 1024:.1f} KB transferred")
    first = statistics.median(sum(r[k][1] for k in ("cold", "login", "keep", "map")) for r in results)
    print(f"median first use (first visit, login, the offline copy and the first map together): {first / 1024:.1f} KB transferred")


if __name__ == "__main__":
    main()
