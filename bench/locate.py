"""Drives bench/locate.sh: logs in as the top admin, reads every grid's boundary from the maps of
白塔埠镇's and 牛山街道's villages, then asks for the grid of N points (inside grids, and some
outside every boundary) and N plain region lookups, alternating. Prints the client's round trip
and the server's own latency (from its request log), medians and p95, and their ratio."""
import http.client, json, random, re, statistics, sys, time

port, n, log = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
c = http.client.HTTPConnection("127.0.0.1", port)


def call(method, path, body=None, headers=None):
    h = dict(headers or {})
    if body is not None:
        h["Content-Type"] = "application/json"
        body = json.dumps(body)
    c.request(method, path, body, h)
    r = c.getresponse()
    data = r.read()
    return r, data


r, _ = call("POST", "/api/v1/auth/login", {"username": "admin", "password": "Demo@2026"})
cookie = r.getheader("set-cookie").split(";")[0]
auth = {"Cookie": cookie}
points = []
for township in ("320722101000", "320722001000"):
    villages = json.loads(call("GET", f"/api/v1/map/{township}", headers=auth)[1])["features"][1:]
    for v in villages:
        fc = json.loads(call("GET", f"/api/v1/map/{v['properties']['code']}", headers=auth)[1])
        for f in fc["features"]:
            if f["properties"]["level"] != "grid":
                continue
            ring = f["geometry"]["coordinates"][0]
            xs, ys = [p[0] for p in ring], [p[1] for p in ring]
            points.append((f["properties"]["code"], (min(ys) + max(ys)) / 2, (min(xs) + max(xs)) / 2))
print(f"{len(points)} grids with boundaries; {n} lookups of each kind")
rng = random.Random(7)
wrong = 0
times = {"locate": [], "region": []}
for i in range(n):
    code, lat, lng = points[i % len(points)]
    outside = i % 10 == 9
    if outside:
        lat, lng = 30.0 + rng.random(), 110.0 + rng.random()
    t0 = time.perf_counter()
    r, body = call("GET", f"/api/v1/locate?lat={lat}&lng={lng}", headers=auth)
    times["locate"].append(time.perf_counter() - t0)
    got = json.loads(body)["grid"]
    if (got["code"] if got else None) != (None if outside else code):
        wrong += 1
    t0 = time.perf_counter()
    call("GET", f"/api/v1/regions/{code[:12]}", headers=auth)
    times["region"].append(time.perf_counter() - t0)
print(f"wrong answers: {wrong}")
time.sleep(0.5)
server = {"locate": [], "region": []}
for line in open(log, encoding="utf-8"):
    m = re.search(r"route=(\S+) status=200 latency_ms=([0-9.]+)", line)
    if not m:
        continue
    if m.group(1) == "/api/v1/locate":
        server["locate"].append(float(m.group(2)))
    elif m.group(1) == "/api/v1/regions/{code}":
        server["region"].append(float(m.group(2)))


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(len(xs) * p))]


for k in ("locate", "region"):
    ms = [x * 1000 for x in times[k]]
    print(f"{k}: client round trip p50 {statistics.median(ms):.2f} ms p95 {pct(ms, 0.95):.2f} ms; "
          f"server p50 {statistics.median(server[k]):.3f} ms p95 {pct(server[k], 0.95):.3f} ms ({len(server[k])} logged)")
print(f"ratio locate/region, server p50: {statistics.median(server['locate']) / statistics.median(server['region']):.2f}")
