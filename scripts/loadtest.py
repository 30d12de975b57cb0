#!/usr/bin/env python
"""Load test: `boinv serve` on loopback with demo data, N simulated users for D seconds.

Each simulated user signs in (CSRF and session cookies like a browser) and then browses and
fills in forms: reporters save drafts and submit a form of their own unit, the coordinator
follows the year's progress, a reader opens the start page. Reports requests, errors and
p50/p95 latency. A person spends a moment on each page (--think, default 0.5-2 s); `--think 0 0`
turns the users into robots for a stress test. Usage: .venv/bin/python scripts/loadtest.py [--duration 60] [--users 20]
"""

from __future__ import annotations

import argparse
import http.cookiejar
import multiprocessing
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
YEAR = 2025
PASSWORD = "lasttest-endast-test-123"
NUMBERS = ["antal", "kvinnor", "man", "okant_kon", "alder_0_17", "alder_18_25", "alder_26_64", "alder_65",
           "alder_okand"]

SETUP = f"""
import os
os.environ['DJANGO_SETTINGS_MODULE'] = 'boendeinventering.settings'
import django; django.setup()
from boendeinventering.services.installation import init_installation
from boendeinventering.services.users import create_demo_users, create_user
from boendeinventering.organisation.models import InventoryYear, Participation, Unit
init_installation('0380')
create_demo_users({YEAR})
year = InventoryYear.objects.get(year={YEAR})
for i in range(int(os.environ['LT_REPORTERS'])):
    unit, _ = Unit.objects.get_or_create(name=f'Lasttestenhet {{i + 1}}')
    Participation.objects.get_or_create(inventory_year=year, unit=unit)
    create_user(f'rapportor{{i + 1}}', 'reporter', unit=unit, password='{PASSWORD}')
    print(f'rapportor{{i + 1}}', unit.pk)
"""


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.latencies: list[float] = []
        self.errors: list[str] = []

    def add(self, seconds: float, error: str | None = None):
        with self.lock:
            self.latencies.append(seconds)
            if error:
                self.errors.append(error)


class Browser:
    """A user's cookie jar and CSRF token, like a browser tab."""

    think: tuple[float, float] = (0.5, 2.0)  # seconds a person spends on a page before the next click

    def __init__(self, base: str, stats: Stats):
        self.base, self.stats = base, stats
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def csrf(self) -> str:
        return next((c.value for c in self.jar if c.name == "csrftoken"), "")

    def request(self, path: str, data: dict | None = None) -> str:
        body = None
        if data is not None:
            body = urllib.parse.urlencode({**data, "csrfmiddlewaretoken": self.csrf()}, doseq=True).encode()
        req = urllib.request.Request(self.base + path, data=body, headers={"Referer": self.base + path})
        start = time.perf_counter()
        try:
            with self.opener.open(req, timeout=60) as response:
                text = response.read().decode("utf-8", "replace")
            self.stats.add(time.perf_counter() - start)
            if self.think[1] > 0:
                time.sleep(random.uniform(*self.think))
            return text
        except urllib.error.HTTPError as exc:
            self.stats.add(time.perf_counter() - start, f"{exc.code} {path}")
        except Exception as exc:  # noqa: BLE001 - counted as an error
            self.stats.add(time.perf_counter() - start, f"{type(exc).__name__} {path}")
        return ""

    def login(self, username: str, password: str) -> bool:
        self.request("/logga-in/")
        page = self.request("/logga-in/", {"username": username, "password": password})
        return "Logga ut" in page


def reporter(browser: Browser, unit_id: int, stop: float):
    base = f"/ar/{YEAR}/underlag/enhet/{unit_id}"
    submitted = False
    while time.time() < stop:
        browser.request("/")
        browser.request(base + "/")
        browser.request(base + "/situation4/")
        browser.request(base + "/situation4/", {"action": "draft"})
        if not submitted:
            browser.request(base + "/utan_tak/")
            answers = {name: "0" for name in NUMBERS} | {"antal": str(random.randint(5, 40))}
            browser.request(base + "/utan_tak/", {**answers, "action": "draft"})
            if random.random() < 0.3:
                browser.request(base + "/utan_tak/", {**answers, "action": "submit"})
                submitted = True
        time.sleep(random.uniform(0.05, 0.3))  # think time


def coordinator(browser: Browser, stop: float):
    while time.time() < stop:
        for path in ("/", f"/ar/{YEAR}/", "/uttag/", f"/ar/{YEAR}/underlag/", "/logg/"):
            browser.request(path)
        time.sleep(random.uniform(0.05, 0.3))


def reader(browser: Browser, stop: float):
    while time.time() < stop:
        browser.request("/")
        time.sleep(random.uniform(0.05, 0.3))


USERS: list = []  # (loop, args) per user, set before the worker processes fork


def _run_user(job):
    index, stop = job
    loop, loop_args = USERS[index]
    stats = Stats()
    loop_args[0].stats = stats  # the browser, signed in by the parent, now counts here
    loop(*loop_args, stop)
    return stats.latencies, stats.errors


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=60, help="sekunder (standard 60)")
    parser.add_argument("--users", type=int, default=20, help="samtidiga användare (standard 20)")
    parser.add_argument("--think", type=float, nargs=2, default=(0.5, 2.0), metavar=("MIN", "MAX"),
                        help="sekunder på varje sida innan nästa klick (standard 0,5–2); 0 0 = stresstest")
    parser.add_argument("--workers", type=int, help="serverprocesser för `boinv serve` (standard: som boinv serve)")
    args = parser.parse_args()
    Browser.think = tuple(args.think)
    n_reporters = max(1, args.users - 2)

    with tempfile.TemporaryDirectory(prefix="boinv-load-") as tmp:
        env = {**os.environ, "BOINV_DATA_DIR": str(Path(tmp) / "data"), "PYTHONPATH": str(ROOT / "src"),
               "LT_REPORTERS": str(n_reporters), "BOINV_LOG_LEVEL": "ERROR"}
        Path(env["BOINV_DATA_DIR"]).mkdir()
        out = subprocess.run([sys.executable, "-c", SETUP], env=env, capture_output=True, text=True, check=True)
        reporters = [(line.split()[0], int(line.split()[1]))
                     for line in out.stdout.splitlines() if line.startswith("rapportor")]
        port = free_port()
        command = [sys.executable, "-m", "boendeinventering.cli", "serve", "--port", str(port)]
        if args.workers:
            command += ["--workers", str(args.workers)]
        server = subprocess.Popen(command,
                                  env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(100):
                try:
                    urllib.request.urlopen(base + "/logga-in/", timeout=2).read()
                    break
                except OSError:
                    time.sleep(0.2)
            stats = Stats()
            stop = time.time() + 3600  # replaced once everyone is signed in
            threads = []
            roles = [("coordinator", "samordnare", "demo-samordnare-endast-test"),
                     ("reader", "lasare", "demo-lasare-endast-test")]
            for kind, name, password in roles:
                b = Browser(base, stats)
                assert b.login(name, password), f"inloggning misslyckades för {name}"
                target = coordinator if kind == "coordinator" else reader
                threads.append((target, [b]))
            for name, unit_id in reporters:
                b = Browser(base, stats)
                assert b.login(name, PASSWORD), f"inloggning misslyckades för {name}"
                threads.append((reporter, [b, unit_id]))
            started = time.time()
            stop = started + args.duration
            # Each user in a process of their own, as each person has their own browser: 20 users
            # as threads of one Python process queue on its GIL, and the test then measures itself.
            global USERS
            USERS = threads
            with multiprocessing.get_context("fork").Pool(len(USERS)) as pool:
                results = pool.map(_run_user, [(i, stop) for i in range(len(USERS))])
            stats = Stats()  # sign-ins are not part of the measured period
            for latencies, errors in results:
                stats.latencies.extend(latencies)
                stats.errors.extend(errors)
            elapsed = time.time() - started
        finally:
            server.terminate()
            server.wait(timeout=10)

    lat = sorted(stats.latencies)
    p95 = lat[int(0.95 * (len(lat) - 1))] if lat else 0.0
    print(f"Användare: {len(USERS)} samtidiga ({n_reporters} rapportörer, 1 samordnare, 1 läsare), {elapsed:.0f} s")
    print(f"Anrop: {len(lat)} ({len(lat) / elapsed:.1f}/s), fel: {len(stats.errors)}")
    if lat:
        print(f"Svarstid p50: {statistics.median(lat) * 1000:.0f} ms, p95: {p95 * 1000:.0f} ms, "
              f"max: {lat[-1] * 1000:.0f} ms")
    for error in sorted(set(stats.errors))[:20]:
        print(f"  fel: {error} ({stats.errors.count(error)} st)")
    return 0 if not stats.errors else 1


if __name__ == "__main__":
    sys.exit(main())
