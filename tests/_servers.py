"""Real triple-store servers on loopback for the tests: Oxigraph and Virtuoso.

Each ``start_*`` function launches the server in a temporary folder on a free
port, waits until its SPARQL endpoint answers, and returns a :class:`Server`
whose ``stop()`` ends that one process. Nothing here is faked: the tests push
with ``kg push`` and read back over the SPARQL protocol.
"""

from __future__ import annotations

import configparser
import json
import os
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

VIRTUOSO_INI = Path("/etc/virtuoso-opensource-7/virtuoso.ini")
#: Virtuoso's built-in administrator of a new database.
VIRTUOSO_USER = ("dba", "dba")


@dataclass
class Server:
    """A running server: where to push, where to query, and how to stop it."""

    name: str
    process: subprocess.Popen
    push_url: str
    query_url: str
    log: Path
    auth: tuple[str, str] | None = None

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def select(self, query: str, graph: str) -> list[dict[str, str]]:
        """Run a SELECT over ``graph`` (as the default graph); rows of lexical values."""
        params = urllib.parse.urlencode({"query": query, "default-graph-uri": graph})
        request = urllib.request.Request(
            f"{self.query_url}?{params}",
            headers={"Accept": "application/sparql-results+json"},
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            body = json.load(response)
        names = body["head"]["vars"]
        return [
            {name: row[name]["value"] for name in names if name in row}
            for row in body["results"]["bindings"]
        ]


def missing(binary: str, package: str) -> None:
    """Skip when a server binary is absent, but fail under CI, where it must be there."""
    if shutil.which(binary) is None:
        message = f"{binary} not found: install {package}"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_until_up(server: Server, timeout: float) -> Server:
    """Poll the query endpoint until it answers; on timeout, stop and show the log."""
    deadline = time.monotonic() + timeout
    probe = f"{server.query_url}?{urllib.parse.urlencode({'query': 'ASK {}'})}"
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            break
        try:
            with urllib.request.urlopen(probe, timeout=5):
                return server
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.5)
    server.stop()
    log = server.log.read_text(errors="replace")[-3000:] if server.log.exists() else ""
    raise RuntimeError(f"{server.name} did not come up within {timeout:.0f} s:\n{log}")


def start_oxigraph(workdir: Path) -> Server:
    """``oxigraph serve`` with an on-disk store in ``workdir``."""
    port = free_port()
    log = workdir / "oxigraph.log"
    process = subprocess.Popen(
        ["oxigraph", "serve", "--location", str(workdir / "db"), "--bind", f"127.0.0.1:{port}"],
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    server = Server("oxigraph", process, f"{base}/store", f"{base}/query", log)
    return _wait_until_up(server, timeout=60)


def start_virtuoso(workdir: Path) -> Server:
    """``virtuoso-t`` in the foreground with a copy of Debian's ini pointed at ``workdir``."""
    ini = configparser.ConfigParser(
        strict=False, interpolation=None, inline_comment_prefixes=(";",)
    )
    ini.optionxform = str  # Virtuoso's keys are case-sensitive
    ini.read(VIRTUOSO_INI)
    db = workdir / "db"
    db.mkdir()
    for section in ("Database", "TempDatabase"):
        for key, value in ini[section].items():
            if value.startswith("/var/lib/virtuoso-opensource-7/db/"):
                ini[section][key] = str(db / Path(value).name)
    sql_port, http_port = free_port(), free_port()
    ini["Parameters"]["ServerPort"] = f"127.0.0.1:{sql_port}"
    ini["HTTPServer"]["ServerPort"] = f"127.0.0.1:{http_port}"
    ini["Parameters"]["NumberOfBuffers"] = "10000"
    config = workdir / "virtuoso.ini"
    with config.open("w") as out:
        ini.write(out)
    log = workdir / "virtuoso.out"
    process = subprocess.Popen(
        ["virtuoso-t", "+configfile", str(config), "+foreground"],
        cwd=db,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{http_port}"
    server = Server(
        "virtuoso",
        process,
        f"{base}/sparql-graph-crud-auth",
        f"{base}/sparql",
        log,
        auth=VIRTUOSO_USER,
    )
    return _wait_until_up(server, timeout=180)
