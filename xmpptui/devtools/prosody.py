"""A private, throwaway Prosody server for tests and the demo (stdlib only).

Everything lives in one directory: the generated config, a small CA and a leaf
certificate for the domain, the data, the log, the pidfile and the admin socket.
The server listens on 127.0.0.1 only (STARTTLS and direct TLS on free ports),
has no s2s and no HTTP, and runs in the foreground as whoever started it (root
included: ``run_as_root``), so it never touches ``/etc/prosody`` or
``/var/lib/prosody`` and never starts a system daemon.

What it needs before it runs (executables, Lua literals, free ports, the
certificates) is in ``prosody_setup``. Accounts are created through Prosody's
admin socket (``mod_admin_socket``), a few milliseconds each, without the
password ever appearing on a command line.

    with ProsodyServer(tmp_dir) as server:
        alice = server.create_account("alice", "secret")
        # connect to server.host:server.port trusting server.ca_file
"""

from __future__ import annotations

import atexit
import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType
from typing import IO

from xmpptui.devtools.prosody_admin import admin_exchange, unix_accepts
from xmpptui.devtools.prosody_setup import (
    LUA_NAME,
    Account,
    LuaValue,
    ProsodyError,
    ProsodyNotFoundError,
    find_executable,
    free_ports,
    lua_string,
    lua_value,
    make_certificates,
)

__all__ = [
    "MODULES",
    "Account",
    "LuaValue",
    "ProsodyError",
    "ProsodyNotFoundError",
    "ProsodyServer",
    "find_executable",
    "free_ports",
    "lua_string",
    "lua_value",
    "make_certificates",
]

MODULES = (
    "roster", "saslauth", "tls", "disco", "carbons", "mam", "offline", "smacks",
    "blocklist", "vcard4", "vcard_legacy", "private", "pep", "ping", "version",
    "register", "time", "uptime", "admin_shell", "admin_socket",
)  # fmt: skip
_USERNAME_RE = re.compile(r"[a-z0-9][a-z0-9._-]{0,62}")
_BIND_FAILURES = ("Failed to open server port", "Error binding encrypted port")
_MAX_UNIX_PATH = 100  # sun_path is 108 bytes on Linux; keep a margin


class ProsodyServer:
    """One private Prosody process. Use ``start()``/``stop()`` or ``with``.

    After ``start()``: ``host`` ("127.0.0.1"), ``port`` (c2s, STARTTLS),
    ``direct_tls_port`` (XEP-0368), ``domain`` and ``ca_file`` (the CA to trust).
    Restarting keeps the same ports when they are still free.

    ``extra_hosts`` adds virtual hosts after ``domain``, each with its own
    options (written with ``lua_value``), e.g. a host that refuses registration:
    ``extra_hosts={"closed.localhost": {"allow_registration": False}}``. The
    certificate covers them all.
    """

    def __init__(
        self,
        directory: Path | str,
        *,
        domain: str = "localhost",
        host: str = "127.0.0.1",
        startup_timeout: float = 20.0,
        log_level: str = "info",
        extra_hosts: Mapping[str, Mapping[str, LuaValue]] | None = None,
    ) -> None:
        self.directory = Path(directory).resolve()
        self.domain = domain
        self.extra_hosts = dict(extra_hosts or {})
        self.host = host
        self.port = 0
        self.direct_tls_port = 0
        self.startup_timeout = startup_timeout
        self.log_level = log_level
        self.config_file = self.directory / "prosody.cfg.lua"
        self.log_file = self.directory / "prosody.log"
        self.console_file = self.directory / "prosody.console.log"
        self.data_dir = self.directory / "data"
        self.ca_file = self.directory / "tls" / "ca.pem"
        self.admin_socket = self.directory / "prosody.sock"
        self._socket_tmpdir: Path | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._console: IO[bytes] | None = None
        self._log_offset = 0

    # -- lifecycle ---------------------------------------------------------

    @property
    def hosts(self) -> tuple[str, ...]:
        """Every virtual host: ``domain`` first, then ``extra_hosts``."""
        return (self.domain, *self.extra_hosts)

    @property
    def running(self) -> bool:
        """True while the Prosody process is alive."""
        return self._process is not None and self._process.poll() is None

    @property
    def pid(self) -> int | None:
        """The process id, while running."""
        return self._process.pid if self.running and self._process else None

    def start(self) -> ProsodyServer:
        """Start Prosody and wait until it serves both ports. Raises ``ProsodyError``."""
        if self.running:
            return self
        prosody = find_executable("prosody")
        self.directory.mkdir(parents=True, exist_ok=True)
        self.data_dir.mkdir(exist_ok=True)
        (self.directory / "plugins").mkdir(exist_ok=True)
        _, cert, key = make_certificates(
            self.directory / "tls", self.domain, alt_names=tuple(self.extra_hosts)
        )
        self._choose_admin_socket()
        for attempt in range(3):
            if (
                attempt
                or not self.port
                or not _ports_free(self.host, self.port, self.direct_tls_port)
            ):
                self.port, self.direct_tls_port = free_ports(2, self.host)
            self.config_file.write_text(self._config(cert, key))
            self._launch(prosody)
            try:
                ready = self._wait_ready()
            except ProsodyError:
                self._terminate()
                raise
            if ready:
                atexit.register(self.stop)
                return self
            self._terminate()  # a port was taken between choosing and binding: retry
        raise ProsodyError(f"Prosody could not bind its ports.\n{self.log_tail()}")

    def stop(self, timeout: float = 10.0) -> None:
        """Stop Prosody (SIGTERM, then SIGKILL after ``timeout``) and wait for it."""
        atexit.unregister(self.stop)
        self._terminate(timeout)
        if self._socket_tmpdir is not None:
            shutil.rmtree(self._socket_tmpdir, ignore_errors=True)
            self._socket_tmpdir = None

    def __enter__(self) -> ProsodyServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def log_tail(self, lines: int = 40) -> str:
        """The last ``lines`` lines Prosody wrote during this run (log and console)."""
        text = ""
        with contextlib.suppress(OSError), self.log_file.open("rb") as log:
            log.seek(self._log_offset)
            text = log.read().decode(errors="replace")
        with contextlib.suppress(OSError):
            text += self.console_file.read_text(errors="replace")
        return "\n".join(text.splitlines()[-lines:])

    # -- accounts and admin shell -------------------------------------------

    def create_account(
        self, username: str, password: str, *, exist_ok: bool = False, host: str | None = None
    ) -> Account:
        """Create ``username@domain`` (with ``exist_ok``, reset the password if it exists).

        ``host`` picks another of ``hosts`` than ``domain``.
        """
        if not _USERNAME_RE.fullmatch(username):
            raise ValueError(f"unsupported username {username!r}: use [a-z0-9._-], lowercase")
        if host is not None and host not in self.hosts:
            raise ValueError(f"{host!r} is not one of this server's hosts {self.hosts}")
        account = Account(username, host or self.domain, password)
        jid, pw = lua_string(account.jid), lua_string(password)
        try:
            self.shell(f"user:create({jid}, {pw})", mask=(pw, password))
        except ProsodyError as error:
            if not (exist_ok and "User exists" in str(error)):
                raise
            self.shell(f"user:password({jid}, {pw})", mask=(pw, password))
        return account

    def delete_account(self, username: str, *, host: str | None = None) -> None:
        """Delete ``username@domain`` (or ``username@host``)."""
        self.shell(f"user:delete({lua_string(f'{username}@{host or self.domain}')})")

    def shell(self, command: str, *, mask: tuple[str, ...] = (), timeout: float = 10.0) -> str:
        """Run one ``prosodyctl shell`` command over the admin socket; return its output.

        Raises ``ProsodyError`` with Prosody's answer when it reports an error,
        with any of ``mask`` (6+ characters) masked should Prosody echo one.
        """
        if not self.running:
            raise ProsodyError("Prosody is not running")
        output, result, failed = admin_exchange(self._socket_path(), command, timeout)
        text = "\n".join([*output, result]).strip()
        for secret in mask:
            if len(secret) >= 6:
                text = text.replace(secret, "***")
        if failed:
            raise ProsodyError(f"Prosody shell: {text}")
        return text

    # -- internals -----------------------------------------------------------

    def _choose_admin_socket(self) -> None:
        if len(str(self.admin_socket)) > _MAX_UNIX_PATH and self._socket_tmpdir is None:
            self._socket_tmpdir = Path(tempfile.mkdtemp(prefix="xmpptui-prosody-"))

    def _socket_path(self) -> Path:
        if self._socket_tmpdir is not None:
            return self._socket_tmpdir / "prosody.sock"
        return self.admin_socket

    def _config(self, cert: Path, key: Path) -> str:
        q = lua_string
        modules = ", ".join(q(m) for m in MODULES)
        return f"""-- Generated by xmpptui.devtools.prosody for a private throwaway server.
-- mod_posix refuses to run as root unless told otherwise; we run as whoever started us.
run_as_root = true
pidfile = {q(str(self.directory / "prosody.pid"))}
data_path = {q(str(self.data_dir))}
installer_plugin_path = {q(str(self.directory / "plugins"))}
certificates = {q(str(cert.parent))}
admin_socket = {q(str(self._socket_path()))}
log = {{ {{ levels = {{ min = {q(self.log_level)} }}, to = "file",
          filename = {q(str(self.log_file))} }} }}
interfaces = {{ {q(self.host)} }}
local_interfaces = {{ {q(self.host)} }}
c2s_ports = {{ {self.port} }}
c2s_direct_tls_ports = {{ {self.direct_tls_port} }}
legacy_ssl_ports = {{ }}
http_ports = {{ }}
https_ports = {{ }}
modules_enabled = {{ {modules} }}
modules_disabled = {{ "s2s", "s2s_auth_certs" }}
allow_registration = true
c2s_require_encryption = true
authentication = "internal_hashed"
-- RFC 5802's floor instead of 10000: slixmpp's SCRAM is pure Python, ~8 ms per 1000.
default_iteration_count = 4096
storage = "internal"
archive_expires_after = "never"
-- Nagle + delayed ACKs add ~40 ms to every login on loopback.
network_settings = {{ nagle = false }}
ssl = {{ certificate = {q(str(cert))}, key = {q(str(key))} }}

VirtualHost {q(self.domain)}
""" + "".join(self._virtual_host(name, options) for name, options in self.extra_hosts.items())

    @staticmethod
    def _virtual_host(name: str, options: Mapping[str, LuaValue]) -> str:
        lines = [f"\nVirtualHost {lua_string(name)}"]
        for key, value in options.items():
            if not LUA_NAME.fullmatch(key):
                raise ValueError(f"not a Prosody option name: {key!r}")
            lines.append(f"    {key} = {lua_value(value)}")
        return "\n".join(lines) + "\n"

    def _launch(self, prosody: str) -> None:
        self._socket_path().unlink(missing_ok=True)  # a stale one would look ready
        self._log_offset = self.log_file.stat().st_size if self.log_file.exists() else 0
        self._console = self.console_file.open("wb")
        env = {k: v for k, v in os.environ.items() if k != "PROSODY_CONFIG"}
        self._process = subprocess.Popen(
            [prosody, "-F", "--config", str(self.config_file)],
            cwd=self.directory,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=self._console,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # a Ctrl-C in the terminal is ours to handle
        )

    def _wait_ready(self) -> bool:
        """True when ready, False on a port clash; raise on early exit or timeout."""
        deadline = time.monotonic() + self.startup_timeout
        wanted = (
            f"'c2s' on [{self.host}]:{self.port}",
            f"'c2s_direct_tls' on [{self.host}]:{self.direct_tls_port}",
        )
        while True:
            assert self._process is not None
            if self._process.poll() is not None:
                raise ProsodyError(
                    f"Prosody exited with status {self._process.returncode} while starting.\n"
                    f"{self.log_tail()}"
                )
            log = self.log_tail(lines=10_000)
            if any(failure in log for failure in _BIND_FAILURES):
                return False
            if "Shutting down: " in log:  # 0.12 may then hang instead of exiting
                raise ProsodyError(f"Prosody refused to start.\n{self.log_tail()}")
            # "Activated service" is logged once the listening sockets are bound.
            if all(w in log for w in wanted) and unix_accepts(self._socket_path()):
                return True
            if time.monotonic() > deadline:
                raise ProsodyError(
                    f"Prosody did not start within {self.startup_timeout:g}s.\n{self.log_tail()}"
                )
            time.sleep(0.02)  # polling interval of a deadline-bounded wait

    def _terminate(self, timeout: float = 10.0) -> None:
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if self._console is not None:
            self._console.close()
            self._console = None


def _ports_free(host: str, *ports: int) -> bool:
    for port in ports:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                sock.bind((host, port))
            except OSError:
                return False
    return True
