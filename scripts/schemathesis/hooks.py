"""Schemathesis hooks for Cercat: a signed-in account for every secured operation.

The fuzzer calls operations that end the caller's session (logout, withdrawal, a password or
email change, an admin suspending or demoting someone who happens to be the caller). A 401 makes
Schemathesis ask `get` again; `get` signs in with the current account and, when that account is
gone, makes a new one the way an operator would: `cercat-admin create-admin`, then (for a member)
`cercat-admin users role <id> USER`.

Settings come from the environment (set by `scripts/schemathesis.sh`):
CERCAT_ST_BASE (the api's origin), CERCAT_ST_ROLE (`member` or `admin`), CERCAT_ST_ADMIN_BIN (the
`cercat-admin` binary), CERCAT_ST_HOOK_LOG (where a failed sign-in is explained).
"""

from __future__ import annotations

import itertools
import os
import subprocess
import time

import requests
import schemathesis
from hypothesis.internal import lambda_sources as _lambda_sources

# CPython 3.11's `ast.parse` can raise `SystemError: AST constructor recursion depth mismatch`
# when called deep in a stack (python/cpython#106905). Hypothesis parses a lambda's source only
# to describe it, and that error would end the whole operation's test as a "Runtime Error". A
# lambda it cannot describe is described as `lambda: <unknown>`, as Hypothesis does when the
# source is missing.
_describe_lambda = _lambda_sources._lambda_description


def _lambda_description(f, *args, **kwargs):
    try:
        return _describe_lambda(f, *args, **kwargs)
    except SystemError:
        return "lambda: <unknown>"


_lambda_sources._lambda_description = _lambda_description

BASE = os.environ["CERCAT_ST_BASE"].rstrip("/")
ROLE = os.environ.get("CERCAT_ST_ROLE", "member")
ADMIN_BIN = os.environ.get("CERCAT_ST_ADMIN_BIN", "")
TIMEOUT = 10
PASSWORD = "fuzz-pass-4821"
HOOK_LOG = os.environ.get("CERCAT_ST_HOOK_LOG", "schemathesis-hooks.log")

_serial = itertools.count(1)


class _FromAddress(requests.adapters.HTTPAdapter):
    """Connects from another loopback address: the fuzzer's own failed sign-ins from 127.0.0.1
    use up that address's sign-in allowance (30 failures in 15 minutes), and the hook is a
    different client."""

    def init_poolmanager(self, *args, **kwargs):
        kwargs["source_address"] = (SOURCE, 0)
        super().init_poolmanager(*args, **kwargs)


# Each account signs in from its own loopback address (127.0.<role>.<n>), as each person would
# from their own machine: changing the password (which the fuzzer does) makes the next sign-in
# with the old one fail, and those failures must not use up one address's allowance.
_addresses = itertools.count(2)
SOURCE = ""
_http = requests.Session()


def _client() -> requests.Session:
    session = requests.Session()
    session.mount("http://", _FromAddress())
    return session


def _next_source() -> None:
    global SOURCE, _http
    n = next(_addresses)
    SOURCE = f"127.{1 if ROLE == 'admin' else 0}.{n // 250}.{n % 250 + 2}"
    _http = _client()


_next_source()


def _login(email: str, password: str) -> str | None:
    r = _http.post(
        f"{BASE}/api/v2/auth/login", json={"email": email, "password": password}, timeout=TIMEOUT
    )
    if r.status_code == 429 or r.status_code >= 500:
        r.raise_for_status()
    if r.status_code != 200:
        return None  # withdrawn, suspended, demoted or its password changed: make another

    return r.json()["result"]["accessToken"]


def _admin_cli(*args: str, stdin: str = "") -> str:
    done = subprocess.run(
        [ADMIN_BIN, *args], input=stdin, text=True, check=True, capture_output=True, timeout=60
    )
    return done.stdout


def _new_admin() -> tuple[str, str]:
    n = next(_serial)
    email = f"fuzz-admin-{os.getpid()}-{n}@cercat.dev"
    _admin_cli("create-admin", "--email", email, "--nickname", f"fa{os.getpid() % 10000}_{n}", stdin=f"{PASSWORD}\n")
    return email, PASSWORD


def _new_member() -> tuple[str, str]:
    # The fuzzer spends the sign-up code quota of 127.0.0.1 on `/auth/email-codes`, so members
    # are made the operator's way: an account, then the USER role.
    email, password = _new_admin()
    token = _login(email, password)
    if token is None:
        raise RuntimeError(f"the new account {email} cannot sign in")
    me = _http.get(f"{BASE}/api/v2/users/me", headers={"Access-Token": token}, timeout=TIMEOUT)
    me.raise_for_status()
    _admin_cli("users", "role", str(me.json()["result"]["userId"]), "USER")
    return email, password


@schemathesis.auth(refresh_interval=600)
class CercatAccount:
    """The current account's access token, replaced when the account can no longer sign in."""

    def __init__(self) -> None:
        if ROLE == "admin":
            self.account = ("admin@cercat.dev", "admin-pass-1234")
        else:
            self.account = ("demo@cercat.dev", "demo-pass-1234")

    def get(self, case, ctx):
        try:
            return self._token()
        except Exception as exc:  # noqa: BLE001 - the reason goes to the log, then up
            with open(HOOK_LOG, "a", encoding="utf-8") as log:
                log.write(f"{time.strftime('%H:%M:%S')} {ROLE}: {exc!r}\n")
            raise

    def _token(self) -> str:
        token = _login(*self.account)
        if token is None:
            _next_source()
            self.account = _new_admin() if ROLE == "admin" else _new_member()
            token = _login(*self.account)
            if token is None:
                raise RuntimeError(f"the new account {self.account[0]} cannot sign in")
        return token

    def set(self, case, data, ctx):
        case.headers = case.headers or {}
        case.headers["Access-Token"] = data
