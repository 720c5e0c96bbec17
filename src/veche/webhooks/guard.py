"""Where a webhook may be sent: the rules that keep it from becoming an SSRF tool.

An admin types the URL, so without these rules veche could be made to POST into its own
network (a cloud metadata service at 169.254.169.254, Redis on loopback, the office LAN).
The URL is checked when it is added, and the address is checked again at every send, on
what DNS answers then: a name that resolved to a public address at add time and to
127.0.0.1 later (DNS rebinding) is refused at connect time, and the connection is made to
the very address that was checked (see GuardedBackend), never to a second lookup.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable
from urllib.parse import urlsplit

import httpcore2
import httpx2

from veche.domain.errors import InvalidInput
from veche.i18n import gettext as _

IP = ipaddress.IPv4Address | ipaddress.IPv6Address
MAX_URL = 2048
NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_KINDS = (
    ("is_unspecified", "unspecified"),
    ("is_loopback", "loopback"),
    ("is_link_local", "link-local"),
    ("is_multicast", "multicast"),
    ("is_private", "private"),
    ("is_reserved", "reserved"),
)


class Refused(Exception):
    """A destination webhooks may not reach; permanent, unlike a failed connection."""


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """IPv6 forms that carry an IPv4 address a router would reach: ::ffff:a.b.c.d,
    6to4 (2002::/16) and NAT64 (64:ff9b::/96)."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip in NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def blocked(ip: IP) -> str | None:
    """Why this address is off limits (loopback, private, …), or None for a public one."""
    if isinstance(ip, ipaddress.IPv6Address):
        inner = _embedded_ipv4(ip)
        if inner is not None and (why := blocked(inner)) is not None:
            return why
        if ip.ipv4_mapped is not None:
            return None  # judged as the IPv4 address it is
        if ip.is_site_local:
            return "site-local"
    for attribute, kind in _KINDS:
        if getattr(ip, attribute):
            return kind
    if not ip.is_global:  # shared (100.64/10), benchmarking, documentation ranges …
        return "not globally routable"
    return None


def resolve(host: str, port: int) -> list[IP]:
    """Every address the name has now, in the resolver's order (IP literals included,
    also the odd ones such as `2130706433` or `0x7f.1`, which resolve to 127.0.0.1)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise LookupError(f"{host} does not resolve ({exc})") from exc
    found: list[IP] = []
    for _family, _type, _proto, _name, sockaddr in infos:
        ip = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
        if ip not in found:
            found.append(ip)
    if not found:
        raise LookupError(f"{host} does not resolve")
    return found


def allowed_addresses(host: str, port: int, *, allow_private: bool) -> list[IP]:
    """The addresses to connect to; Refused if ANY of them is off limits, since which one
    a client picks is not ours to predict. LookupError if the name does not resolve."""
    addresses = resolve(host, port)
    if not allow_private:
        for ip in addresses:
            if (why := blocked(ip)) is not None:
                raise Refused(f"{host} resolves to {ip}, a {why} address; webhooks go to "
                              "public addresses only (VECHE_WEBHOOKS_ALLOW_PRIVATE)")  # fmt: skip
    return addresses


def split_url(url: str) -> tuple[str, str, int]:
    """(scheme, host, port) of an absolute http(s) URL without credentials; InvalidInput."""
    if len(url) > MAX_URL:
        raise InvalidInput(
            _("A webhook URL is at most %(MAX_URL)s characters.") % {"MAX_URL": MAX_URL},
            field="url",
        )
    if any(ch.isspace() or ord(ch) < 32 for ch in url):
        raise InvalidInput(_("A webhook URL has no spaces or control characters."), field="url")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise InvalidInput(
            _("That is not a valid URL (%(exc)s).") % {"exc": exc}, field="url"
        ) from exc
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise InvalidInput(_("A webhook URL starts with https:// (or http://)."), field="url")
    if not parts.hostname:
        raise InvalidInput(_("A webhook URL names a host."), field="url")
    if parts.username is not None or parts.password is not None:
        raise InvalidInput(
            _(
                "A webhook URL carries no user name or password: the delivery log shows URLs, "
                "and the signature already proves who sent it."
            ),
            field="url",
        )
    return scheme, parts.hostname, port or (443 if scheme == "https" else 80)


def check_url(url: str, *, allow_private: bool) -> str:
    """At add time: the URL's form, and where its name points now (InvalidInput if not
    somewhere webhooks may go). Returns the URL as given."""
    _scheme, host, port = split_url(url)
    try:
        allowed_addresses(host, port, allow_private=allow_private)
    except Refused as exc:
        raise InvalidInput(str(exc), field="url") from exc
    except LookupError as exc:
        raise InvalidInput(
            _("%(exc)s: a webhook is checked against the addresses its host has.") % {"exc": exc},
            field="url",
        ) from exc
    return url


class GuardedBackend(httpcore2.SyncBackend):
    """httpcore's socket backend, resolving the host itself: it checks every address and
    connects to a checked one, so no later lookup can swap it. TLS still verifies the
    certificate against the URL's host name (httpcore passes it as server_hostname)."""

    def __init__(self, *, allow_private: bool) -> None:
        super().__init__()
        self.allow_private = allow_private

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore2.SOCKET_OPTION] | None = None,
    ) -> httpcore2.NetworkStream:
        try:
            addresses = allowed_addresses(host, port, allow_private=self.allow_private)
        except LookupError as exc:
            raise httpcore2.ConnectError(str(exc)) from exc
        failure: Exception | None = None
        for ip in addresses:
            try:
                return super().connect_tcp(str(ip), port, timeout, local_address, socket_options)
            except (httpcore2.ConnectError, httpcore2.ConnectTimeout) as exc:
                failure = exc
        assert failure is not None
        raise failure


class GuardedTransport(httpx2.HTTPTransport):
    """httpx's transport on a pool that connects through GuardedBackend; no proxy from the
    environment (a proxy would make the checked address the proxy's)."""

    def __init__(self, *, allow_private: bool) -> None:
        super().__init__(trust_env=False)
        self._pool = httpcore2.ConnectionPool(
            ssl_context=httpx2.create_ssl_context(trust_env=False),
            max_connections=10,
            max_keepalive_connections=0,  # one request each: a stale pinned socket helps nobody
            network_backend=GuardedBackend(allow_private=allow_private),
        )
