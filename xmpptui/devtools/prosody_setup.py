"""What a private Prosody needs before it runs (stdlib only): its executables,
Lua literals for its config, free ports, a CA and a leaf certificate; and the
errors and accounts of the rig. ``prosody`` runs the server and re-exports these.
"""

from __future__ import annotations

import contextlib
import re
import secrets
import shutil
import socket
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeAlias

LUA_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
"""A Lua name: a table key or a Prosody option written bare."""

#: A Python value that ``lua_value`` can write as a Lua literal.
LuaValue: TypeAlias = "str | int | float | bool | Sequence[LuaValue] | Mapping[str, LuaValue]"


class ProsodyError(RuntimeError):
    """Prosody could not be started, stopped or asked to do something."""


class ProsodyNotFoundError(ProsodyError):
    """The ``prosody`` (or ``openssl``) executable is not installed."""


@dataclass(frozen=True, slots=True)
class Account:
    """An account on the rig. ``password`` is left out of ``repr`` on purpose."""

    username: str
    domain: str
    password: str = field(repr=False)

    @property
    def jid(self) -> str:
        """The bare JID ``username@domain``."""
        return f"{self.username}@{self.domain}"


def find_executable(name: str) -> str:
    """Return the path of ``name`` (also looking in sbin dirs) or raise."""
    found = shutil.which(name) or shutil.which(name, path="/usr/sbin:/usr/bin:/sbin:/bin")
    if not found:
        raise ProsodyNotFoundError(
            f"{name!r} is not installed; `make prosody` (or `make test`) installs "
            "Debian's prosody and openssl packages"
        )
    return found


def lua_string(text: str) -> str:
    """Quote ``text`` as a Lua string literal: every byte but [A-Za-z0-9_./-] as ``\\ddd``."""
    safe = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_./-"
    body = "".join(chr(b) if b in safe else f"\\{b:03d}" for b in text.encode())
    return f'"{body}"'


def lua_value(value: LuaValue) -> str:
    """Write ``value`` as a Lua literal: str, bool, number, list (array) or mapping (table)."""
    if isinstance(value, str):
        return lua_string(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, Mapping):
        for key in value:
            if not LUA_NAME.fullmatch(key):
                raise ValueError(f"not a Lua table key: {key!r}")
        return "{ " + ", ".join(f"{k} = {lua_value(v)}" for k, v in value.items()) + " }"
    return "{ " + ", ".join(lua_value(v) for v in value) + " }"


def free_ports(count: int, host: str = "127.0.0.1") -> list[int]:
    """Ask the kernel for ``count`` distinct free TCP ports on ``host``."""
    with contextlib.ExitStack() as stack:
        ports = []
        for _ in range(count):
            sock = stack.enter_context(socket.socket(socket.AF_INET, socket.SOCK_STREAM))
            sock.bind((host, 0))
            ports.append(int(sock.getsockname()[1]))
        return ports


def make_certificates(
    tls_dir: Path, domain: str, *, alt_names: Sequence[str] = ()
) -> tuple[Path, Path, Path]:
    """Create a small CA and a leaf for ``domain`` with openssl; return (ca, cert, key).

    The leaf's subjectAltName lists ``domain`` then ``alt_names`` (other virtual
    hosts). The extensions satisfy Python's ``VERIFY_X509_STRICT`` (default in
    3.13): CA with critical basicConstraints, keyCertSign/cRLSign and SKI; leaf
    with SAN, serverAuth, SKI and AKI. Existing files are reused when they were
    made for the same names.
    """
    ca, cert, key = (
        tls_dir / "ca.pem",
        tls_dir / "certs" / f"{domain}.crt",
        tls_dir / "certs" / f"{domain}.key",
    )
    names = list(dict.fromkeys([domain, *alt_names]))
    names_file = tls_dir / "certs" / f"{domain}.names"  # absent: made for domain alone
    made_for = names_file.read_text().split() if names_file.is_file() else [domain]
    if ca.is_file() and cert.is_file() and key.is_file() and made_for == names:
        return ca, cert, key
    openssl = find_executable("openssl")
    (tls_dir / "certs").mkdir(parents=True, exist_ok=True)
    cnf = tls_dir / "openssl.cnf"
    cnf.write_text(
        "[req]\ndistinguished_name = dn\nprompt = no\n[dn]\nCN = xmpptui test CA\n"
        "[v3_ca]\nbasicConstraints = critical, CA:TRUE\n"
        "keyUsage = critical, keyCertSign, cRLSign\nsubjectKeyIdentifier = hash\n"
        "[v3_leaf]\nbasicConstraints = critical, CA:FALSE\n"
        "keyUsage = critical, digitalSignature\nextendedKeyUsage = serverAuth\n"
        f"subjectAltName = {', '.join(f'DNS:{name}' for name in names)}\n"
        "subjectKeyIdentifier = hash\n"
        "authorityKeyIdentifier = keyid:always\n"
    )
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    ca_key, csr = tls_dir / "ca.key", tls_dir / "leaf.csr"
    steps = [
        [openssl, "req", "-x509", "-new", *ec, "-keyout", ca_key, "-out", ca, "-days", "3650",
         "-config", cnf, "-extensions", "v3_ca"],
        [openssl, "req", "-new", *ec, "-keyout", key, "-out", csr, "-subj", f"/CN={domain}"],
        [openssl, "x509", "-req", "-in", csr, "-CA", ca, "-CAkey", ca_key, "-days", "3650",
         "-set_serial", f"0x{secrets.token_hex(16)}", "-extfile", cnf, "-extensions", "v3_leaf",
         "-out", cert],
    ]  # fmt: skip
    for argv in steps:
        done = subprocess.run(
            [str(a) for a in argv], capture_output=True, text=True, stdin=subprocess.DEVNULL
        )
        if done.returncode != 0:
            raise ProsodyError(f"openssl failed ({argv[1]}): {done.stderr.strip()[-500:]}")
    csr.unlink()
    if len(names) > 1:
        names_file.write_text("\n".join(names) + "\n")
    else:
        names_file.unlink(missing_ok=True)
    return ca, cert, key
