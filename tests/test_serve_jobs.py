"""`boinv serve` with two server processes and its import worker, as a municipality runs it:
an upload followed through other (and restarted) processes, a worker killed with kill -9 in the
middle of an import, a server killed in the middle of an upload, and large request bodies from
people who may not upload."""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from tests.fixtures.extracts import STAY_HEADER, pnr, write_csv

ROOT = Path(__file__).resolve().parents[1]
CSRF = "c" * 32  # a CSRF secret of our choosing: cookie and form field must only agree
# One Django start-up in a subprocess: the installation, two users and a signed-in session each
# (signing in through the page would hash passwords twice per user on a busy test machine).
SETUP = """
import json, django
django.setup()
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from boendeinventering.services.installation import init_installation
from boendeinventering.services.users import create_user
init_installation("0180")
sessions = {}
for name, role in (("samordnare", "coordinator"), ("lasare", "reader")):
    user = create_user(name, role, password=None, check_password=False)
    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    sessions[name] = store.session_key
print(json.dumps(sessions))
"""
KNOWN_PROGRESS = {"Väntar på att starta …", "Läser och kontrollerar filen …", "Importen pågår …"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _big_stays(path: Path, rows: int) -> Path:
    """Many rows from few test numbers (each person with many stays): an import that takes seconds."""
    lines = [f"{pnr(i % 3000)};;Enhet {i % 97};Akutboendet Tallen;"
             f"2025-{1 + i % 12:02d}-{1 + i % 28:02d};;;;;{i % 900},50" for i in range(rows)]
    return write_csv(path, STAY_HEADER, lines)


class Site:
    """A data directory with a coordinator and a reader, and `boinv serve` on a free port."""

    def __init__(self, tmp_path: Path, **env):
        self.data = tmp_path / "data"
        self.env = {k: v for k, v in os.environ.items()
                    if k not in ("DJANGO_SETTINGS_MODULE", "BOINV_DATABASE_URL", "BOINV_WORKER_SEPARATE")}
        self.env.update({"BOINV_DATA_DIR": str(self.data), "PYTHONPATH": str(ROOT / "src"), **env})
        done = subprocess.run([sys.executable, "-c", SETUP], env={**self.env, "DJANGO_SETTINGS_MODULE":
                              "boendeinventering.settings"}, check=True, capture_output=True, text=True)
        self.sessions = json.loads(done.stdout.strip().splitlines()[-1])
        self.server = None

    def start(self, workers: int = 2):
        self.port = _free_port()
        # A session of its own, so that the whole server (master, web processes, worker) can be killed.
        self.server = subprocess.Popen(
            [sys.executable, "-m", "boendeinventering.cli", "serve", "--port", str(self.port), "--workers",
             str(workers)], env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True)
        for _ in range(300):
            try:
                self.request("GET", "/logga-in/")
                return self
            except OSError:
                time.sleep(0.1)
        raise AssertionError("the server never answered")

    def stop(self):
        if self.server is not None and self.server.poll() is None:
            self.server.terminate()
            self.server.wait(timeout=30)

    def kill_all(self):
        os.killpg(self.server.pid, signal.SIGKILL)
        self.server.wait(timeout=10)
        for _ in range(100):  # the orphaned children go with the session
            if not _children_of_session(self.server.pid):
                return
            time.sleep(0.1)

    def children(self) -> dict[int, str]:
        """The server master's child processes: pid -> command line."""
        found = {}
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
                if int(fields[1]) == self.server.pid:
                    found[int(stat.parent.name)] = (stat.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except (OSError, IndexError, ValueError):
                continue
        return found

    def job_worker_pid(self) -> int:
        for _ in range(100):
            pids = [pid for pid, cmd in self.children().items() if " worker " in f"{cmd} "]
            if pids:
                return pids[0]
            time.sleep(0.1)
        raise AssertionError("no import worker beside the server")

    def web_pids(self, count: int | None = None) -> list[int]:
        """The web processes; with `count`, once that many run (a process restarted by the master
        after an earlier test's aborted upload may still be starting), or as found after 10 s."""
        for _ in range(100 if count else 1):
            pids = [pid for pid, cmd in self.children().items() if " serve " in cmd]
            if count is None or len(pids) == count:
                break
            time.sleep(0.1)
        return pids

    def request(self, method, path, body=b"", headers=None, cookies=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            headers = dict(headers or {})
            if cookies:
                headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            return response.status, dict(response.getheaders()), response.read()
        finally:
            conn.close()

    def login(self, user: str) -> dict:
        cookies = {"sessionid": self.sessions[user], "csrftoken": CSRF, "token": CSRF}
        status, _, _ = self.request("GET", "/uttag/", cookies=cookies)
        assert status in (200, 403), f"not signed in: {status}"  # 302 would be the sign-in page
        return cookies

    def upload(self, cookies: dict, path: Path) -> str:
        """Upload through the extracts page; returns the job's status URL."""
        cookies = dict(cookies)
        token = cookies.pop("token")
        body, content_type = _multipart({"csrfmiddlewaretoken": token, "kind": "insatser", "on_error": "refuse",
                                         "mode": "add", "year": ""}, path)
        status, headers, _ = self.request("POST", "/uttag/", body, {"Content-Type": content_type}, cookies)
        assert status == 302 and "/uttag/jobb/" in headers["Location"], (status, headers)
        return headers["Location"] + "status/"

    def state(self, cookies: dict, status_url: str) -> dict:
        status, _, body = self.request("GET", status_url, cookies={k: v for k, v in cookies.items() if k != "token"})
        assert status == 200, status
        return json.loads(body)


def _children_of_session(sid: int) -> list[int]:
    pids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[3]) == sid and fields[0] != "Z":
                pids.append(int(stat.parent.name))
        except (OSError, IndexError, ValueError):
            continue
    return pids


def _multipart(fields: dict, path: Path) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
             for k, v in fields.items()]
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{path.name}"\r\n'
                 f"Content-Type: text/csv\r\n\r\n".encode() + path.read_bytes() + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """One installation and server for the module (each start costs seconds on a busy machine);
    the tests kill parts of it, and the last one restarts it."""
    site = Site(tmp_path_factory.mktemp("serve-jobs")).start(workers=2)
    yield site
    site.stop()


@pytest.mark.parametrize("who", ["anonymous", "lasare"])
def test_a_large_body_from_someone_who_may_not_upload_never_reaches_the_disk(server, tmp_path, who):
    """Issue 8, item 4: a forged csrftoken cookie and a 1.5 GB body used to be written to tmp/
    before the 403. Now 403 (or 413 above the limit) before the body is read."""
    cookies = {} if who == "anonymous" else server.login(who)
    cookies.pop("token", None)
    cookies.setdefault("csrftoken", "a" * 32)
    boundary = "x" * 20
    prefix = (f'--{boundary}\r\nContent-Disposition: form-data; name="csrfmiddlewaretoken"\r\n\r\n{"a" * 32}\r\n'
              f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\n\r\n').encode()
    tmp = server.data / "tmp"
    for length, expected in ((1_500_000_000, 413), (200_000_000, 403)):
        conn = socket.create_connection(("127.0.0.1", server.port), timeout=30)
        conn.sendall((f"POST /uttag/ HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: multipart/form-data; "
                      f"boundary={boundary}\r\nContent-Length: {length}\r\nCookie: "
                      + "; ".join(f"{k}={v}" for k, v in cookies.items()) + "\r\n\r\n").encode() + prefix)
        chunk = b"19121212-1212;K;x\n" * 50_000  # about 0.9 MB a time, 9 MB in all
        try:
            for _ in range(10):
                conn.sendall(chunk)
        except OSError:
            pass  # the server answered and closed: fine
        answer = b""
        try:
            while b"\r\n\r\n" not in answer:
                data = conn.recv(65536)
                if not data:
                    break
                answer += data
        finally:
            conn.close()
        assert answer.startswith(f"HTTP/1.1 {expected}".encode()), answer[:200]
        assert not list(tmp.iterdir()), "part of the body was written to tmp/"


def test_an_upload_is_followed_through_the_other_and_restarted_server_processes(server, tmp_path):
    """Issue 7, item 11: the web processes only queue; the worker runs the job; every poll, by
    whichever process answers it, even processes started after the upload, reads the same job."""
    web = server.web_pids(count=2)
    assert len(web) == 2 and server.job_worker_pid() not in web
    cookies = server.login("samordnare")
    status_url = server.upload(cookies, _big_stays(tmp_path / "uttag.csv", 30_000))
    first = server.state(cookies, status_url)
    assert not first["finished"] and first["progress"], first  # queued or running, with its text
    for pid in web:  # both processes that saw the upload are gone; the master starts new ones
        os.kill(pid, signal.SIGKILL)
    states = [first]
    for _ in range(1200):
        try:
            state = server.state(cookies, status_url)
        except (OSError, http.client.HTTPException):
            time.sleep(0.1)  # a web process being restarted
            continue
        states.append(state)
        if state["finished"]:
            break
        time.sleep(0.1)
    assert set(server.web_pids()).isdisjoint(web), "the web processes were not restarted"
    assert states[-1]["status"] == "done", states[-1]
    assert states[-1]["message"] == "30\u00a0000 rader importerades av 30\u00a0000 lästa.", states[-1]
    running = [s["progress"] for s in states if not s["finished"]]
    assert all(p in KNOWN_PROGRESS or p.startswith(("Pseudonymiserar", "Sparar rader")) for p in running), running
    order = ["queued", "running", "done"]
    seen = [order.index(s["status"]) for s in states]
    assert seen == sorted(seen), [s["status"] for s in states]  # never back, never lost
    assert not any((server.data / "uploads").iterdir())


def test_a_killed_worker_fails_its_job_and_leaves_no_upload(server, tmp_path):
    """Issue 8, item 5: kill -9 of the worker during an import. The master starts a new worker,
    which finds the job's process gone, fails the job with a Swedish message and removes the upload."""
    _kill_the_worker_during_an_import(server, tmp_path)


@pytest.mark.postgres_only
def test_a_killed_worker_fails_its_job_on_postgresql(tmp_path):
    """The same on PostgreSQL, in a database of its own (the claim there is SELECT … SKIP LOCKED)."""
    import psycopg

    base = os.environ["BOINV_DATABASE_URL"]  # the PostgreSQL pass of `make test` sets it
    name = f"boinv_jobs_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(base, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    site = None
    try:
        site = Site(tmp_path, BOINV_DATABASE_URL=base.rsplit("/", 1)[0] + "/" + name).start(workers=2)
        _kill_the_worker_during_an_import(site, tmp_path)
        with psycopg.connect(base.rsplit("/", 1)[0] + "/" + name) as con:  # nothing half-written
            assert con.execute("SELECT count(*) FROM inventory_importbatch").fetchone() == (1,)  # the small one
    finally:
        if site is not None:
            site.stop()
        with psycopg.connect(base, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def _kill_the_worker_during_an_import(server, tmp_path):
    cookies = server.login("samordnare")
    worker = server.job_worker_pid()
    status_url = server.upload(cookies, _big_stays(tmp_path / "stort.csv", 150_000))
    for _ in range(600):
        state = server.state(cookies, status_url)
        if state["status"] != "queued":
            break
        time.sleep(0.05)
    assert state["status"] == "running", state
    os.kill(worker, signal.SIGKILL)
    assert any((server.data / "uploads").iterdir())  # the raw file is still there …
    for _ in range(300):
        state = server.state(cookies, status_url)
        if state["finished"]:
            break
        time.sleep(0.1)
    assert state["status"] == "failed" and "slutade svara" in state["message"], state
    assert state["label"] == "Misslyckades"
    assert not any((server.data / "uploads").iterdir())  # … and gone with the failed job
    assert server.job_worker_pid() != worker  # a new worker took over
    # The new worker runs the next upload.
    status_url = server.upload(cookies, _big_stays(tmp_path / "litet.csv", 50))
    for _ in range(300):
        state = server.state(cookies, status_url)
        if state["finished"]:
            break
        time.sleep(0.1)
    assert state["status"] == "done", state


def test_a_partial_upload_left_by_a_killed_server_is_removed_at_start(server, tmp_path):
    """Issue 8, item 5: the server killed during an upload leaves tmp*.upload.csv in tmp/;
    the next start removes it."""
    cookies = server.login("samordnare")
    token = cookies.pop("token")
    body, content_type = _multipart({"csrfmiddlewaretoken": token, "kind": "insatser", "on_error": "refuse",
                                     "mode": "add", "year": ""}, _big_stays(tmp_path / "halv.csv", 100_000))
    conn = socket.create_connection(("127.0.0.1", server.port))
    head = (f"POST /uttag/ HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: {content_type}\r\n"
            f"Content-Length: {len(body)}\r\nCookie: " + "; ".join(f"{k}={v}" for k, v in cookies.items()) +
            "\r\n\r\n").encode()
    conn.sendall(head + body[: len(body) // 2])  # half of it, then the server dies
    tmp = server.data / "tmp"
    for _ in range(300):
        partial = [p for p in tmp.iterdir() if p.name.endswith(".upload.csv")]
        if partial and partial[0].stat().st_size > 0:
            break
        time.sleep(0.05)
    assert partial, "the upload never reached tmp/"
    server.kill_all()
    conn.close()
    assert partial[0].exists()  # what a crash leaves: part of a file with personnummer
    server.start(workers=2)
    assert not partial[0].exists() and not list(tmp.iterdir())
