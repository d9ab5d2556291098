"""Text helpers every field shares: whitespace folding, the paragraphs of an element, page chrome tests."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from selectolax.lexbor import LexborNode

from bnwatch.textnorm import nfc

_WS = re.compile(r"[ \t\r\n\f\v\u00a0\u2000-\u200a\u202f\u3000]+")
_EDGE = "\u200b\u200c\u200d\u2060\ufeff \u00a0"
#: what _WS.sub would change: any whitespace but a lone space (a one-space run is replaced by one space) — a double
#: space (tested with `in`) or one of these characters (one class: an alternation would stop the engine's fast scan)
_WS_CHANGES = re.compile(r"[\t\r\n\f\v\u00a0\u2000-\u200a\u202f\u3000]")
_STRIP = _EDGE + "\t\r\n"


def clean(text: str | None) -> str:
    """Whitespace runs folded to one space, zero-width and space characters stripped at both ends."""
    if not text:
        return ""
    if "  " in text or _WS_CHANGES.search(text):
        text = _WS.sub(" ", text)
    return text.strip(_STRIP)


def n(s: str) -> str:
    """NFC, for patterns written in Bengali (so they match folded text)."""
    return unicodedata.normalize("NFC", s)


_NON_WORD = re.compile(r"\W+")


def comparable(text: str) -> str:
    """Letters and digits only, NFC, case-folded: for "is this the headline again?" tests."""
    return _NON_WORD.sub("", nfc(text)).casefold()


BLOCK = {"p", "div", "section", "article", "main", "header", "footer", "aside", "nav", "h1", "h2", "h3", "h4",
         "h5", "h6", "li", "ul", "ol", "dl", "dt", "dd", "blockquote", "pre", "table", "thead", "tbody", "tr",
         "td", "th", "figure", "figcaption", "br", "hr", "center", "address", "details", "summary", "form"}
SKIP = {"script", "style", "noscript", "template", "iframe", "button", "svg", "select", "input", "textarea",
        "object", "embed", "canvas", "video", "audio", "picture", "img", "link", "meta", "head", "title"}
JUNK_ATTR = re.compile(
    r"(?:^|[\s_-])(?:share|sharing|social|sharethis|addtoany|a2a|related|relatedpost|more-?news|also-?read|"
    r"read-?more|advert|advertisement|ads|adsbygoogle|ad-?slot|ad-?container|banner|comments?|comment-?box|"
    r"disqus|fb-comments|newsletter|subscribe|print-?btn|breadcrumbs?|tags?|tag-?list|post-?tags|pagination|"
    r"popular|trending|most-?read|sidebar|widget|hidden-print|author-?box|social-?icons)(?:$|[\s_-])", re.I)


def is_junk(el) -> bool:
    """An element (of either tree) whose class/id says share/related/ad/comment/sidebar."""
    get = el.attributes.get if isinstance(el, LexborNode) else el.get  # (selectolax builds the dict per call)
    attrs = f"{get('class') or ''} {get('id') or ''}"
    if not attrs.strip():
        return False
    return bool(JUNK_ATTR.search(attrs))


_CHROME = ("header", "nav", "footer", "aside")


def in_chrome(el) -> bool:
    """Inside header/nav/footer/aside: page chrome, never the article (an lxml or a lexbor element)."""
    if isinstance(el, LexborNode):
        node = el.parent
        while node is not None:
            if node.tag in _CHROME:
                return True
            node = node.parent
        return False
    for anc in el.iterancestors():
        tag = anc.tag.lower() if isinstance(anc.tag, str) else ""
        if tag in _CHROME:
            return True
    return False


def _paragraph_buffer():
    """(paragraphs, the pieces of the current one, flush): flush() makes the pieces one cleaned paragraph."""
    out: list[str] = []
    buf: list[str] = []

    def flush() -> None:
        text = clean("".join(buf))
        buf.clear()
        if text:
            out.append(text)

    return out, buf, flush


def element_paragraphs(el, *, skip_junk: bool = True) -> list[str]:
    """Paragraph texts of an element (of an lxml or a lexbor tree): block elements and <br> break lines; scripts,
    styles, forms and (optionally) elements whose class/id says share/related/ad/comment are skipped."""
    if isinstance(el, LexborNode):
        return lexbor_paragraphs(el, skip_junk)
    if len(el) == 0 and isinstance(el.tag, str):  # no children (most <p> of a body): its own text is all of it
        if el.tag.lower().rsplit("}", 1)[-1] in SKIP:
            return []
        text = clean(el.text)
        return [text] if text else []
    out, buf, flush = _paragraph_buffer()

    # an explicit stack, not recursion: a page may nest thousands of inline tags inside one paragraph.
    # (node, False) = enter the node; (node, True) = leave it (close its block, then its tail text follows)
    stack: list[tuple[Any, bool]] = [(el, False)]
    while stack:
        node, leaving = stack.pop()
        root = node is el
        if leaving:
            if isinstance(node.tag, str) and node.tag.lower().rsplit("}", 1)[-1] in BLOCK:
                flush()
            if not root and node.tail:
                buf.append(node.tail)
            continue
        tag = node.tag if isinstance(node.tag, str) else None
        if tag is not None:
            tag = tag.lower().rsplit("}", 1)[-1]
            if not (tag in SKIP or (skip_junk and not root and is_junk(node))):
                if tag in BLOCK:
                    flush()
                if node.text:
                    buf.append(node.text)
                stack.append((node, True))
                stack.extend((child, False) for child in reversed(node))
                continue
        if not root and node.tail:
            buf.append(node.tail)
    flush()
    return out


def lexbor_paragraphs(el, skip_junk: bool = True) -> list[str]:
    """element_paragraphs on a lexbor node (its text nodes are nodes of their own: no text/tail)."""
    tag = el.tag
    if tag is None or tag.startswith("-") or tag in SKIP:
        return []
    child = el.child
    if child is not None and child.next is None and child.tag == "-text":  # one text node: all of it
        text = clean(child.text_content)
        return [text] if text else []
    out, buf, flush = _paragraph_buffer()

    stack: list = [(el, False)]
    while stack:
        node, leaving = stack.pop()
        if leaving:
            flush()  # only blocks are pushed to be left
            continue
        tag = node.tag
        if tag == "-text":
            buf.append(node.text_content or "")
            continue
        if tag is None or tag.startswith("-") or tag in SKIP:
            continue
        if skip_junk and node is not el and is_junk(node):
            continue
        if tag in BLOCK:
            flush()
            stack.append((node, True))
        children = []
        child = node.child
        while child is not None:
            children.append((child, False))
            child = child.next
        stack.extend(reversed(children))
    flush()
    return out


def element_text(el) -> str:
    """The full text of an element, descendants included, whitespace folded (what a selector's `::text` means)."""
    return clean(" ".join(element_paragraphs(el, skip_junk=False)))


_SENTENCE_END = re.compile("[।?!]\\s*$")


def headline_like(p: str) -> bool:
    """Short and without a sentence end: a linked headline, not a sentence of copy."""
    return len(p) < 160 and "।" not in p and not _SENTENCE_END.search(p)


def attribute(el, name: str) -> str | None:
    """An attribute of an lxml or a lexbor element."""
    return el.attributes.get(name) if isinstance(el, LexborNode) else el.get(name)


def string_value(el) -> str:
    """All the text below an element, as XPath's string() reads it (scripts included), on either tree."""
    return el.text(deep=True) if isinstance(el, LexborNode) else el.xpath("string()")


def following_elements(el):
    """The element siblings after `el`, in order (comments too, as lxml's itersiblings gives them; not text)."""
    if not isinstance(el, LexborNode):
        yield from el.itersiblings()
        return
    node = el.next
    while node is not None:
        if node.tag != "-text":
            yield node
        node = node.next


def is_element(el) -> bool:
    """An element, not a comment or processing instruction, on either tree."""
    tag = el.tag
    return isinstance(tag, str) and not (isinstance(el, LexborNode) and tag.startswith("-"))


def short_texts(page, query: str, limit: int = 200, *, css: bool = False):
    """(element, NFC text) for elements outside header/nav/footer whose text is short. `query` is an XPath on the
    lxml tree, or with `css` a CSS selector read on the page's selector tree (lexbor or lxml, as Page.elements)."""
    found = page.elements(query) if css else page.xpath(query)
    for el in found[:200]:
        if isinstance(el, str) or in_chrome(el):
            continue
        text = clean(unicodedata.normalize("NFC", " ".join(element_paragraphs(el, skip_junk=False))))
        if text and len(text) <= limit:
            yield el, text
