"""`boinv serve` as a municipality runs it: a real server process on loopback, one or several workers."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("workers", ["1", "2"])
def test_serve_answers_on_loopback(tmp_path, workers):
    env = {**os.environ, "BOINV_DATA_DIR": str(tmp_path / "data"), "PYTHONPATH": str(ROOT / "src")}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    subprocess.run([sys.executable, "-m", "boendeinventering.cli", "init", "--kommun", "0180"], env=env,
                   check=True, capture_output=True)
    port = _free_port()
    server = subprocess.Popen([sys.executable, "-m", "boendeinventering.cli", "serve", "--port", str(port),
                               "--workers", workers], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        page = None
        for _ in range(150):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/logga-in/", timeout=2) as response:
                    page = (response.status, response.read().decode(), response.headers)
                break
            except OSError:
                time.sleep(0.2)
        assert page is not None, "the server never answered"
        status, body, headers = page
        assert status == 200 and "Logga in" in body
        assert "default-src 'self'" in headers["Content-Security-Policy"]
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/static/boinv/boinv.css", timeout=5) as css:
            assert css.status == 200  # static files served by the application itself
    finally:
        server.terminate()
        server.wait(timeout=20)
