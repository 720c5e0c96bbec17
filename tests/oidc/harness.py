"""The real OpenID provider of tests/oidc/provider.mjs, run by Node on a free loopback port.

`.ci/run` installs its node_modules (`npm ci`); on a developer box without Node or them the
tests skip, in CI they fail (tests.conftest.unavailable).
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin

import requests

from tests.conftest import unavailable

HERE = Path(__file__).resolve().parent
NODE = os.environ.get("VECHE_NODE", "node")
_FORM = re.compile(r'<form[^>]*action="([^"]+)"[^>]*>(.*?)</form>', re.S)
_HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)"')


@dataclass
class Provider:
    issuer: str
    process: subprocess.Popen[str]

    def register(self, redirect_uri: str, *, secret: bool = True) -> tuple[str, str | None]:
        """A new client for `redirect_uri` (dynamic registration): its id and secret."""
        body = {
            "redirect_uris": [redirect_uri],
            "grant_types": ["authorization_code"],
            "response_types": ["code"],
            "token_endpoint_auth_method": "client_secret_basic" if secret else "none",
        }
        r = requests.post(f"{self.issuer}/reg", json=body, timeout=10)
        assert r.status_code == 201, r.text
        data = r.json()
        return str(data["client_id"]), data.get("client_secret")

    def sign_in(self, authorize_url: str, login: str, *, consent: bool = True) -> str:
        """What a reader does at the provider's pages, over plain HTTP: log in as `login`
        (any password) and consent. Returns the URL the provider sends them back to."""
        browser = requests.Session()
        url = authorize_url
        for _ in range(12):
            if not url.startswith(self.issuer):
                return url  # back to the relying party
            r = browser.get(url, allow_redirects=False, timeout=10)
            while r.is_redirect:
                url = urljoin(url, r.headers["location"])
                if not url.startswith(self.issuer):
                    return url
                r = browser.get(url, allow_redirects=False, timeout=10)
            r.raise_for_status()
            form = _FORM.search(r.text)
            assert form, r.text[:2000]
            action = urljoin(url, html.unescape(form.group(1)))
            fields = {k: html.unescape(v) for k, v in _HIDDEN.findall(form.group(2))}
            if fields.get("prompt") == "login":
                fields.update(login=login, password="any password")
            elif not consent:  # the reader cancels at the consent page
                action, fields = action.rstrip("/") + "/abort", {}
            posted = browser.request(
                "POST" if fields else "GET", action, data=fields or None,
                allow_redirects=False, timeout=10,
            )  # fmt: skip
            assert posted.is_redirect, posted.text[:2000]
            url = urljoin(action, posted.headers["location"])
        raise AssertionError("the provider never sent the reader back")


@contextmanager
def running(accounts: dict[str, dict[str, object]] | None = None) -> Iterator[Provider]:
    """Start the provider (the login typed is the account's `sub`; `accounts` adds claims)."""
    if shutil.which(NODE) is None:
        unavailable("Node.js", f"{NODE} is not on PATH")
    if not (HERE / "node_modules" / "oidc-provider").is_dir():
        unavailable("oidc-provider", "run `npm ci --prefix tests/oidc`")
    env = {**os.environ, "OIDC_ACCOUNTS": json.dumps(accounts or {})}
    process = subprocess.Popen(
        [NODE, str(HERE / "provider.mjs")], cwd=HERE, env=env, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    assert process.stdout is not None
    line: list[str] = []
    reader = threading.Thread(target=lambda: line.append(process.stdout.readline()), daemon=True)  # type: ignore[union-attr]
    reader.start()
    reader.join(timeout=20)
    if not line or not line[0].startswith("listening "):
        process.kill()
        unavailable("oidc-provider", f"it did not start (exit code {process.poll()})")
    try:
        yield Provider(line[0].split()[1], process)
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        process.stdout.close()
