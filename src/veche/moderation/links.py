"""Links in a comment's markdown: how many, and the hosts they point at."""

from __future__ import annotations

import re

# Explicit links: [text](url) in markdown, then anything with a scheme or www.
_MD_LINK = re.compile(r"\[([^\]\n]*)\]\(\s*<?([^()\s<>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_URL = re.compile(r"(?i)(?:\b(?:https?|ftp)://|\bwww\.)[^\s<>()\[\]\"'`]+")
# Bare domains: dotted labels ending in a known top-level domain, not inside an e-mail address
# or a longer word. The list holds the domains spam uses plus the region's own; an unknown
# ending in running text ("e.g.", "3.5", "end.Start") is not a link.
_TLDS = (
    "com net org info biz io co me ly gl gg to cc tv ws pw tk ml ga cf gq xyz top site online "
    "club shop store app dev link live life fun win bet vip pro one click icu buzz best today "
    "world space website tech news ru su kz uz kg tj tm by ua az am ge md ee lv lt pl de uk fr "
    "it es nl cz ch at eu us in cn tr рф бел укр қаз"
)
_CH = "a-z0-9\u0430-\u044f\u0451\u0456\u0493\u049b\u04a3\u04af\u04b1\u04bb\u04d9\u04e9"
_LABEL = rf"[{_CH}](?:[{_CH}-]{{0,61}}[{_CH}])?"
_BARE = re.compile(
    rf"(?i)(?<![\w@.\-/])(?:{_LABEL}\.)+(?:{'|'.join(_TLDS.split())})(?![\w\-])(?:/[^\s<>()\[\]\"'`]*)?"
)
# Links written so that no linkifier sees them still point somewhere: "site[.]com", "site(dot)com",
# and "t . me/x" (a spaced dot counts only with a path, so "at . me" in prose is no link).
_TLD_ALT = "|".join(_TLDS.split())
_BRACKETED = re.compile(
    rf"(?i)(?<![\w@])(?:{_LABEL}(?:\[\.\]|\(\.\)|[\[(]dot[\])]))+(?:{_TLD_ALT})(?![\w\-])"
    r"(?:/[^\s<>()\[\]\"'`]*)?"
)
_SPACED = re.compile(
    rf"(?i)(?<![\w@])(?:{_LABEL}(?:\s+\.\s*|\s*\.\s+))+(?:{_TLD_ALT})/[^\s<>()\[\]\"'`]+"
)
EMAIL = re.compile(r"(?i)\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")


def count_links(text_src: str) -> int:
    """URLs and bare domains in a comment's markdown; a markdown link counts once."""
    count = 0

    def cut(match: re.Match[str]) -> str:
        nonlocal count
        count += 1
        return " "

    rest = _MD_LINK.sub(cut, text_src)
    rest = EMAIL.sub(" ", rest)
    rest = _URL.sub(cut, rest)
    rest = _BRACKETED.sub(cut, _SPACED.sub(cut, rest))
    _BARE.sub(cut, rest)
    return count


def reduce_urls(text: str) -> str:
    """Every link becomes its host: spintax varies the path and the tracking tail, not the host."""
    text = _MD_LINK.sub(lambda m: f" {m.group(1)} {_host(m.group(2))} ", text)
    text = _URL.sub(lambda m: _host(m.group(0)), text)
    text = _SPACED.sub(lambda m: _host(_undot(m.group(0))), text)
    text = _BRACKETED.sub(lambda m: _host(_undot(m.group(0))), text)
    return _BARE.sub(lambda m: _host(m.group(0)), text)


def strip_links(text: str) -> str:
    """The text around the links: what a comment says besides where it points."""
    text = _URL.sub(" ", _MD_LINK.sub(lambda m: f" {m.group(1)} ", text))
    return _BARE.sub(" ", _BRACKETED.sub(" ", _SPACED.sub(" ", text)))


# Hosts shared by everyone, where the first path segment names the destination: t.me/<channel>.
_PLATFORMS = frozenset(
    [
        "t.me",
        "telegram.me",
        "wa.me",
        "youtube.com",
        "youtu.be",
        "vk.com",
        "ok.ru",
        "instagram.com",
        "facebook.com",
        "x.com",
        "twitter.com",
        "tiktok.com",
        "bit.ly",
        "tinyurl.com",
        "clck.ru",
        "goo.gl",
        "linktr.ee",
    ]
)
_HANDLE = re.compile(r"(?<![\w@.])@([a-z0-9_]{4,32})(?![\w.@])", re.IGNORECASE)
_PHONE_RUN = re.compile(r"(?<![\w+])\+?\(?\d[\d\s().\-]{7,20}\d(?!\w)")


def destinations(text: str) -> set[str]:
    """Where a comment sends its readers: link hosts (host and first path segment on shared
    platforms such as t.me), @handles and phone numbers (digits only). A campaign rewords its
    pitch but keeps where it leads."""
    found = {m.group(0).lower() for m in EMAIL.finditer(text)}
    urls = [m.group(2) for m in _MD_LINK.finditer(text)]
    rest = _MD_LINK.sub(" ", EMAIL.sub(" ", text))
    for pattern in (_URL, _SPACED, _BRACKETED, _BARE):
        urls += [
            _undot(m.group(0)) if pattern in (_SPACED, _BRACKETED) else m.group(0)
            for m in pattern.finditer(rest)
        ]
        rest = pattern.sub(" ", rest)
    for url in urls:
        host = _host(url)
        if host in _PLATFORMS:
            path = re.sub(r"(?i)^(?:[a-z][a-z0-9+.\-]*:)?//", "", url).split("/")
            segment = path[1].split("?")[0].split("#")[0].lower() if len(path) > 1 else ""
            host = f"{host}/{segment}" if segment else host
        found.add(host.rstrip(".,;:!?"))
    found.update("@" + m.group(1).lower() for m in _HANDLE.finditer(rest))
    for m in _PHONE_RUN.finditer(rest):
        digits = "".join(ch for ch in m.group(0) if ch.isdigit())
        if 10 <= len(digits) <= 15:
            found.add(digits)
    return found


def _undot(link: str) -> str:
    return re.sub(r"(?i)\s*(?:\[\.\]|\(\.\)|[\[(]dot[\])]|\.)\s*", ".", link)


def _host(url: str) -> str:
    rest = re.sub(r"(?i)^(?:[a-z][a-z0-9+.\-]*:)?//", "", url)
    host = re.split(r"[/?#:]", rest, maxsplit=1)[0].lower()
    return host.removeprefix("www.")
