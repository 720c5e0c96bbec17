"""Webhooks without a database: the SSRF guard, signatures, and one attempt against a real
receiver on loopback."""

from __future__ import annotations

import ipaddress
import time

import pytest

from tests.webhook_helpers import Receiver, receiver
from veche.domain.errors import InvalidInput
from veche.webhooks import guard, sender, signing

__all__ = ["receiver"]

SECRET = "whsec_test"


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1", "127.8.9.10", "0.0.0.0", "10.1.2.3", "172.16.0.1", "192.168.1.1",  # noqa: S104
        "169.254.169.254", "100.64.0.1", "224.0.0.1", "240.0.0.1", "255.255.255.255",
        "198.18.0.1", "::1", "::", "fe80::1", "fc00::1", "fd12:3456::1", "ff02::1", "fec0::1",
        "::ffff:127.0.0.1", "::ffff:10.0.0.1", "::ffff:169.254.169.254", "2002:7f00:1::1",
        "64:ff9b::a9fe:a9fe", "2001:db8::1",
    ],
)  # fmt: skip
def test_non_public_addresses_are_blocked(address: str) -> None:
    assert guard.blocked(ipaddress.ip_address(address)) is not None


@pytest.mark.parametrize(
    "address", ["93.184.215.14", "1.1.1.1", "2606:4700:4700::1111", "::ffff:93.184.215.14"]
)
def test_public_addresses_pass(address: str) -> None:
    assert guard.blocked(ipaddress.ip_address(address)) is None


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("ftp://93.184.215.14/x", "https://"),
        ("javascript:alert(1)", "https://"),
        ("https:///nohost", "names a host"),
        ("https://user:pw@93.184.215.14/x", "no user name"),
        ("https://93.184.215.14/a b", "no spaces"),
        ("https://93.184.215.14:99999/", "valid URL"),
        ("https://93.184.215.14/" + "x" * 2048, "at most 2048"),
        ("http://127.0.0.1/hook", "loopback"),
        ("http://localhost:8080/hook", "loopback"),
        ("http://[::1]/hook", "loopback"),
        ("http://[::ffff:127.0.0.1]/hook", "loopback"),
        ("http://169.254.169.254/latest/meta-data", "link-local"),
        ("http://10.0.0.7/hook", "private"),
        ("http://2130706433/hook", "loopback"),  # 127.0.0.1 spelled as one number
        ("http://0x7f.1/hook", "loopback"),
        ("http://0.0.0.0/", "unspecified"),
    ],
)
def test_urls_refused_when_added(url: str, says: str) -> None:
    with pytest.raises(InvalidInput, match=says) as caught:
        guard.check_url(url, allow_private=False)
    assert caught.value.field == "url"


def test_public_and_allowed_private_urls_pass() -> None:
    assert guard.check_url("https://93.184.215.14/hook", allow_private=False)
    assert guard.check_url("http://127.0.0.1:9/hook", allow_private=True)
    # Allowing private targets does not allow other schemes.
    with pytest.raises(InvalidInput):
        guard.check_url("file:///etc/passwd", allow_private=True)


def test_signatures_verify_and_refuse_changes() -> None:
    body = b'{"type":"comment.created"}'
    now = int(time.time())
    value = signing.header(SECRET, now, body)
    assert value.startswith(f"t={now},v1=")
    assert signing.verify(SECRET, body, value, now=now + 10)
    assert not signing.verify(SECRET, body + b" ", value, now=now)
    assert not signing.verify("whsec_other", body, value, now=now)
    assert not signing.verify(SECRET, body, value, now=now + signing.TOLERANCE_SECONDS + 1)
    assert not signing.verify(SECRET, body, f"t={now + 1},v1={value.split('v1=')[1]}", now=now)
    assert not signing.verify(SECRET, body, "garbage", now=now)
    # The documented recipe: HMAC-SHA256 over "<t>.<body>".
    import hashlib
    import hmac

    expected = hmac.new(SECRET.encode(), f"{now}.".encode() + body, hashlib.sha256).hexdigest()
    assert value == f"t={now},v1={expected}"
    assert signing.new_secret() != signing.new_secret()


@pytest.mark.parametrize(
    ("status", "delivered", "permanent"),
    [
        (200, True, False), (204, True, False), (301, False, True), (400, False, True),
        (401, False, True), (410, False, True), (408, False, False), (429, False, False),
        (500, False, False), (503, False, False),
    ],
)  # fmt: skip
def test_what_an_answer_means(status: int, delivered: bool, permanent: bool) -> None:
    attempt = sender.judge(status, "")
    assert (attempt.delivered, attempt.permanent, attempt.status) == (delivered, permanent, status)


def _post(url: str, *, allow_private: bool = True, timeout: float = 5.0) -> sender.Attempt:
    body = sender.encode({"type": "comment.created", "text": "Привет"})
    head = sender.headers(
        secret=SECRET, body=body, event="comment.created", delivery=7, now=int(time.time())
    )
    return sender.post(url, body, head, allow_private=allow_private, timeout=timeout)


def test_a_post_reaches_the_receiver_signed(receiver: Receiver) -> None:
    attempt = _post(receiver.url)
    assert attempt.delivered and attempt.status == 204
    (got,) = receiver.received
    assert got.path == "/hooks/veche"
    assert got.headers["Veche-Event"] == "comment.created"
    assert got.headers["Veche-Delivery"] == "7"
    assert got.headers["Content-Type"] == "application/json"
    assert signing.verify(SECRET, got.body, got.headers["Veche-Signature"], now=time.time())
    assert "Привет".encode() in got.body


def test_private_targets_are_refused_at_send_time(receiver: Receiver) -> None:
    """Checked on the address the name resolves to when sending: `localhost` (or a name
    rebound to 127.0.0.1 since it was added) never gets a connection."""
    for url in (receiver.url, receiver.url.replace("127.0.0.1", "localhost")):
        attempt = _post(url, allow_private=False)
        assert not attempt.delivered and attempt.permanent
        assert attempt.error is not None and "loopback" in attempt.error
    assert receiver.received == []


def test_redirects_are_not_followed(receiver: Receiver) -> None:
    receiver.answer(302, headers={"Location": "http://169.254.169.254/latest"})
    attempt = _post(receiver.url)
    assert attempt.permanent and attempt.status == 302
    assert attempt.error is not None and "redirects are not followed" in attempt.error
    assert len(receiver.received) == 1


def test_a_failing_answer_is_read_only_so_far(receiver: Receiver) -> None:
    receiver.answer(500, body=b"boom " * 100_000)  # 500 KB: the sender stops at 64 KiB
    attempt = _post(receiver.url)
    assert not attempt.delivered and not attempt.permanent and attempt.status == 500
    assert attempt.error is not None
    assert attempt.error.startswith("HTTP 500: boom boom")
    assert len(attempt.error) <= len("HTTP 500: ") + sender.SNIPPET


def test_a_slow_receiver_times_out_and_is_retried(receiver: Receiver) -> None:
    receiver.answer(200, delay=1.5)
    attempt = _post(receiver.url, timeout=0.3)
    assert not attempt.delivered and not attempt.permanent and attempt.status is None
    assert attempt.error == "no answer within 0.3 s"


def test_nobody_listening_is_retried() -> None:
    attempt = _post("http://127.0.0.1:9/hook")  # the discard port: refused on this box
    assert not attempt.delivered and not attempt.permanent
    assert attempt.error is not None and "ConnectError" in attempt.error


def test_the_readme_recipe_verifies_a_real_delivery(receiver: Receiver) -> None:
    """The Python snippet README gives receivers, run as printed."""
    from pathlib import Path

    readme = (Path(__file__).parents[1] / "README.md").read_text()
    section = readme.split("## Webhooks", 1)[1]
    code = next(b for b in section.split("```python\n")[1:] if "def verify" in b)
    namespace: dict[str, object] = {}
    exec(code.split("```", 1)[0], namespace)  # noqa: S102  (our own documentation)
    verify = namespace["verify"]
    assert callable(verify)
    assert _post(receiver.url).delivered
    (got,) = receiver.received
    header = got.headers["Veche-Signature"]
    assert verify(SECRET, got.body, header) is True
    assert verify(SECRET, got.body + b"x", header) is False
    assert verify("whsec_wrong", got.body, header) is False
    stale = signing.header(SECRET, int(time.time()) - 301, got.body)
    assert verify(SECRET, got.body, stale) is False
