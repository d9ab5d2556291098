"""The Bengali text of an alert (or of a digest of alerts), shared by every channel.

An alert is first built as a small document (`Doc`: paragraphs of lines of spans, a span optionally bold or a
link) and then rendered for each platform: plain text (webhook `text`, e-mail text part), HTML (e-mail, Telegram
`parse_mode=HTML`, escaped), Slack mrkdwn (escaped `&<>`, links `<url|text>`). `split_rendered` cuts a rendered
document into pieces no longer than a platform's limit, on paragraph boundaries first, then line boundaries, and
only for a single over-long line inside it, between grapheme clusters (never between a Bengali consonant and its
vowel sign, hasanta or the consonant joined by it; never inside a tag or an entity: such a line is sent as plain
escaped text).

Times are shown in Dhaka time (UTC+06:00, no DST) with Bengali digits; outlets by their Bengali name when the
outlet registry knows it.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from bnwatch.records import Alert

DHAKA = timezone(timedelta(hours=6), "BST")
_BN_DIGITS = str.maketrans("0123456789", "০১২৩৪৫৬৭৮৯")
RULE_NAMES = {"ru-nk": "রাশিয়া–উত্তর কোরিয়া"}
MAX_LINKS = 10


def bn_digits(value: object) -> str:
    return str(value).translate(_BN_DIGITS)


def parse_time(value: str | None) -> datetime | None:
    if not value or not isinstance(value, str):
        return None
    try:
        dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)


def bn_time(value: str | None) -> str:
    dt = parse_time(value)
    if dt is None:
        return value or "অজানা"
    return bn_digits(dt.astimezone(DHAKA).strftime("%Y-%m-%d %H:%M")) + " (ঢাকা)"


def outlet_label(outlet: str, names: Mapping[str, str]) -> str:
    return names.get(outlet) or outlet or "অজানা সূত্র"


def rule_name(rule: str) -> str:
    return RULE_NAMES.get(rule, rule)


def alert_title(alert: Alert) -> str:
    articles = [a for a in alert.articles if isinstance(a, Mapping)]
    return alert.title or next((a.get("title") for a in articles if a.get("title")), "") or "(শিরোনাম নেই)"


# --------------------------------------------------------------------------------------------- document model


@dataclass(frozen=True)
class Span:
    text: str
    href: str | None = None
    bold: bool = False


Line = tuple[Span, ...]


@dataclass
class Doc:
    """Paragraphs of lines of spans. `title` is a one-line summary (e-mail subject, feed entry title)."""

    title: str
    paragraphs: list[list[Line]] = field(default_factory=list)

    def para(self, *lines: Line | str) -> None:
        self.paragraphs.append([(Span(x),) if isinstance(x, str) else tuple(x) for x in lines])


def _outlets(alert: Alert, names: Mapping[str, str]) -> list[str]:
    out: list[str] = []
    for a in alert.articles:
        if isinstance(a, Mapping):
            label = outlet_label(str(a.get("outlet") or ""), names)
            if label not in out:
                out.append(label)
    return out


def _article_lines(alert: Alert, names: Mapping[str, str], limit: int = MAX_LINKS) -> list[Line]:
    articles = [a for a in alert.articles if isinstance(a, Mapping)]
    lines: list[Line] = []
    for a in articles[:limit]:
        label = outlet_label(str(a.get("outlet") or ""), names)
        spans = [Span(f"• {label}: "), Span(str(a.get("title") or "(শিরোনাম নেই)"), href=a.get("url") or None)]
        if a.get("published_at"):
            spans.append(Span(f" — প্রকাশ: {bn_time(a.get('published_at'))}"))
        lines.append(tuple(spans))
    if len(articles) > limit:
        lines.append((Span(f"  … আরও {bn_digits(len(articles) - limit)}টি"),))
    return lines


def _kind(alert: Alert, first: bool | None = None) -> str:
    """'new' for version 1, or for the first version a subscriber gets (`first`); else which update it is."""
    new = first if first is not None else alert.version <= 1
    return "নতুন খবর" if new else f"হালনাগাদ (সংস্করণ {bn_digits(alert.version)})"


def alert_doc(alert: Alert, outlet_names: Mapping[str, str] | None = None, first: bool | None = None) -> Doc:
    names = outlet_names or {}
    articles = [a for a in alert.articles if isinstance(a, Mapping)]
    outlets = _outlets(alert, names)
    rule, title = rule_name(alert.rule), alert_title(alert)
    doc = Doc(title=f"[{rule}] {title}")
    doc.para(
        (Span(f"[{rule}] {title}", bold=True),),
        _kind(alert, first),
        f"সূত্র: {', '.join(outlets) or 'অজানা'} ({bn_digits(len(articles))}টি প্রতিবেদন)",
        f"প্রথম দেখা: {bn_time(alert.first_seen)}",
        f"সর্বশেষ হালনাগাদ: {bn_time(alert.updated_at)}",
    )
    if articles:
        doc.para("লিংক:", *_article_lines(alert, names))
    tail = []
    if alert.evidence:
        tail.append("প্রমাণ: " + "; ".join(str(e) for e in alert.evidence))
    tail.append(f"স্কোর: {bn_digits(f'{float(alert.score):.2f}')}")
    doc.para(*tail)
    return doc


def latest_per_story(alerts: Sequence[Alert]) -> list[Alert]:
    """One alert per story (its highest version), in order of first appearance."""
    best: dict[str, Alert] = {}
    for a in alerts:
        if a.story_id not in best or a.version > best[a.story_id].version:
            best[a.story_id] = a
    return list(best.values())


def digest_doc(alerts: Sequence[Alert], outlet_names: Mapping[str, str] | None = None, period: str = "") -> Doc:
    """One message for many alerts: a header paragraph, then one paragraph per story (latest version)."""
    names = outlet_names or {}
    stories = latest_per_story(alerts)
    rules = sorted({rule_name(a.rule) for a in stories})
    head = f"সারসংক্ষেপ: {bn_digits(len(stories))}টি খবর ({', '.join(rules)})"
    doc = Doc(title=f"[{', '.join(rules)}] {head}" if rules else head)
    doc.para((Span(head, bold=True),), *([f"সময়কাল: {period}"] if period else []))
    for i, a in enumerate(stories, 1):
        articles = [x for x in a.articles if isinstance(x, Mapping)]
        first_url = next((x.get("url") for x in articles if x.get("url")), None)
        doc.para(
            (Span(f"{bn_digits(i)}. "), Span(alert_title(a), href=first_url, bold=True)),
            f"{_kind(a)} · সূত্র: {', '.join(_outlets(a, names)) or 'অজানা'} · সর্বশেষ: {bn_time(a.updated_at)}",
            *_article_lines(a, names, limit=5),
            *([f"প্রমাণ: {'; '.join(str(e) for e in a.evidence)}"] if a.evidence else []),
        )
    return doc


# --------------------------------------------------------------------------------------------- renderers


def _plain_line(line: Line) -> str:
    text = "".join(s.text for s in line)
    urls = [s.href for s in line if s.href]
    return "\n".join([text, *(f"  {u}" for u in urls)])


def _html_line(line: Line) -> str:
    out = []
    for s in line:
        t = html.escape(s.text, quote=False)
        if s.bold:
            t = f"<b>{t}</b>"
        if s.href:
            t = f'<a href="{html.escape(s.href, quote=True)}">{t}</a>'
        out.append(t)
    return "".join(out)


def mrkdwn_escape(text: str) -> str:
    """Slack's three control characters (docs: "Escaping text")."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _mrkdwn_line(line: Line) -> str:
    out = []
    for s in line:
        t = mrkdwn_escape(s.text)
        if s.href:
            t = f"<{s.href.replace('|', '%7C').replace('>', '%3E')}|{t.replace('|', '¦')}>"
        if s.bold and t.strip():
            t = f"*{t}*"
        out.append(t)
    return "".join(out)


LINE_RENDERERS: dict[str, Callable[[Line], str]] = {"plain": _plain_line, "html": _html_line, "mrkdwn": _mrkdwn_line}
#: how a plain-text fragment is escaped when an over-long line must be cut and loses its formatting
ESCAPERS: dict[str, Callable[[str], str]] = {
    "plain": lambda s: s,
    "html": lambda s: html.escape(s, quote=False),
    "mrkdwn": mrkdwn_escape,
}


def render(doc: Doc, style: str = "plain") -> str:
    line = LINE_RENDERERS[style]
    return "\n\n".join("\n".join(line(x) for x in para) for para in doc.paragraphs)


def render_text(alert: Alert, outlet_names: Mapping[str, str] | None = None) -> str:
    return render(alert_doc(alert, outlet_names), "plain")


def render_html_page(doc: Doc) -> str:
    """A small standalone HTML document (e-mail HTML part)."""
    body = "".join(f"<p>{'<br>'.join(_html_line(x) for x in para)}</p>\n" for para in doc.paragraphs)
    return (f'<!DOCTYPE html>\n<html lang="bn"><head><meta charset="utf-8"><title>{html.escape(doc.title)}</title>'
            f"</head>\n<body style=\"font-family: 'Noto Sans Bengali', sans-serif\">\n{body}</body></html>\n")


# --------------------------------------------------------------------------------------------- splitting


def utf16_len(text: str) -> int:
    """Telegram counts message length in UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


_ZWJ, _ZWNJ = "\u200d", "\u200c"


def _joins_previous(ch: str) -> bool:
    if unicodedata.category(ch) in ("Mn", "Mc", "Me"):
        return True
    o = ord(ch)
    return ch in (_ZWJ, _ZWNJ) or 0xFE00 <= o <= 0xFE0F or 0x1F3FB <= o <= 0x1F3FF or 0xE0020 <= o <= 0xE007F


def graphemes(text: str) -> list[str]:
    """Extended grapheme clusters, close enough for cutting text safely: marks, ZWJ/ZWNJ, variation selectors and
    skin tones stay with the character before; a virama (Bengali hasanta) or ZWJ also binds the next character
    (conjuncts like ক্ষ, emoji ZWJ sequences); CR LF stays together; regional indicators pair up."""
    out: list[str] = []
    for ch in text:
        if out:
            prev = out[-1]
            last = prev[-1]
            ri = 0x1F1E6 <= ord(ch) <= 0x1F1FF
            if (_joins_previous(ch) or unicodedata.combining(last) == 9 or last == _ZWJ
                    or (last == "\r" and ch == "\n")
                    or (ri and len(prev) == 1 and 0x1F1E6 <= ord(prev) <= 0x1F1FF)):
                out[-1] = prev + ch
                continue
        out.append(ch)
    return out


def _hard_split(text: str, limit: int, measure: Callable[[str], int], escape: Callable[[str], str]) -> list[str]:
    """Cut `text` (plain) into escaped pieces, each measuring at most `limit`, between grapheme clusters and
    preferably after a space."""
    pieces: list[str] = []
    current = ""
    last_space = -1
    for g in graphemes(text):
        if current and measure(escape(current + g)) > limit:
            if 0 < last_space < len(current):
                pieces.append(escape(current[:last_space]))
                current = current[last_space:]
            if current and measure(escape(current + g)) > limit:
                pieces.append(escape(current))
                current = ""
            last_space = -1
        current += g
        if g.isspace():
            last_space = len(current)
    if current:
        pieces.append(escape(current))
    return pieces


def _line_plain(line: Line) -> str:
    return _plain_line(line)


def split_rendered(doc: Doc, style: str, limit: int, measure: Callable[[str], int] = len) -> list[str]:
    """The document rendered in `style`, cut into messages each measuring at most `limit`: whole paragraphs when
    they fit, else whole lines, else (one line longer than the limit) grapheme-safe pieces of its plain text."""
    render_line, escape = LINE_RENDERERS[style], ESCAPERS[style]
    # units: (text, separator before it when joined to the previous unit in the same message)
    units: list[tuple[str, str]] = []
    for para in doc.paragraphs:
        rendered = "\n".join(render_line(x) for x in para)
        if measure(rendered) <= limit:
            units.append((rendered, "\n\n"))
            continue
        first = True
        for line in para:
            r = render_line(line)
            parts = [r] if measure(r) <= limit else _hard_split(_line_plain(line), limit, measure, escape)
            for p in parts:
                units.append((p, "\n\n" if first else "\n"))
                first = False
    messages: list[str] = []
    current = ""
    for text, sep in units:
        candidate = current + sep + text if current else text
        if current and measure(candidate) > limit:
            messages.append(current)
            current = text
        else:
            current = candidate
    if current:
        messages.append(current)
    return messages or [""]


_TAG_RE = re.compile(r"<[^>]+>")


def html_visible_len(text: str) -> int:
    """What Telegram counts of an HTML message: the text after entity parsing, in UTF-16 units."""
    return utf16_len(html.unescape(_TAG_RE.sub("", text)))
