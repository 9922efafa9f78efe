"""The small Markdown subset the project's docs blocks use, rendered to safe HTML.

Docs blocks are written for dbt docs (which renders full Markdown); the atlas page shows the same
words, so it needs the subset those blocks use: paragraphs, ``-`` lists (an item may continue on
indented lines), fenced code blocks, ``#`` headings, and inline code spans, ``**bold**``,
``*emphasis*`` and ``[links](url)``. Everything else is shown as text.

Every piece of text is HTML-escaped before any markup is added, so a docs block can never inject
markup into the page; link targets are kept only when relative, an in-page anchor, or http(s).
The result is a ``markupsafe.Markup``, which Jinja's autoescaping leaves as it is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from markupsafe import Markup, escape

_FENCE = re.compile(r"^\s*```")
_HEADING = re.compile(r"^(#{1,6})\s+(.*)$")
_ITEM = re.compile(r"^\s*[-*]\s+(.*)$")
_CODE_SPAN = re.compile(r"`([^`]+)`")
_LINK = re.compile(r"\[([^\]]+)\]\(([^)\s]+)\)")
_BOLD = re.compile(r"\*\*(.+?)\*\*")
_EMPHASIS = re.compile(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])")
_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*):")
_PLACEHOLDER = "\x00{}\x00"


@dataclass(frozen=True)
class Block:
    """One block of a docs text: kind is p, ul, pre or h1..h6; lines its raw text lines."""

    kind: str
    lines: tuple[str, ...]


def _safe_href(url: str) -> str | None:
    """The link target when harmless: relative, an in-page anchor or http(s); else None."""
    scheme = _SCHEME.match(url)
    return url if scheme is None or scheme.group(1).lower() in ("http", "https") else None


def inline(text: str) -> str:
    """Escape one run of text, then add code spans, links, bold and emphasis."""
    kept: list[str] = []

    def keep(html: str) -> str:
        kept.append(html)
        return _PLACEHOLDER.format(len(kept) - 1)

    def code(match: re.Match[str]) -> str:
        return keep(f"<code>{escape(match.group(1))}</code>")

    def link(match: re.Match[str]) -> str:
        href = _safe_href(match.group(2))
        if href is None:
            return match.group(0)
        return keep(f'<a href="{escape(href)}">{inline(match.group(1))}</a>')

    html = str(escape(_LINK.sub(link, _CODE_SPAN.sub(code, text))))
    html = _BOLD.sub(r"<strong>\1</strong>", html)
    html = _EMPHASIS.sub(r"<em>\1</em>", html)
    for index, piece in enumerate(kept):
        html = html.replace(_PLACEHOLDER.format(index), piece)
    return html


def split_blocks(text: str) -> list[Block]:
    """Group the lines of a docs text into blocks."""
    blocks: list[Block] = []
    lines = text.strip("\n").splitlines()
    index = 0
    while index < len(lines):
        line = lines[index]
        if not line.strip():
            index += 1
        elif _FENCE.match(line):
            end = next((j for j in range(index + 1, len(lines)) if _FENCE.match(lines[j])), None)
            end = len(lines) if end is None else end
            blocks.append(Block("pre", tuple(lines[index + 1 : end])))
            index = end + 1
        elif heading := _HEADING.match(line):
            blocks.append(Block(f"h{len(heading.group(1))}", (heading.group(2),)))
            index += 1
        else:
            kind = "ul" if _ITEM.match(line) else "p"
            end = index + 1
            while end < len(lines) and _continues(lines[end], kind):
                end += 1
            blocks.append(Block(kind, tuple(lines[index:end])))
            index = end
    return blocks


def _continues(line: str, kind: str) -> bool:
    """Whether line belongs to the paragraph or list above it."""
    if not line.strip() or _FENCE.match(line) or _HEADING.match(line):
        return False
    return kind == "ul" or not _ITEM.match(line)


def list_items(lines: tuple[str, ...]) -> list[str]:
    """The items of a list block, each item's continuation lines joined to it."""
    items: list[str] = []
    for line in lines:
        item = _ITEM.match(line)
        if item and not line.startswith("  "):
            items.append(item.group(1))
        elif items:
            items[-1] += " " + line.strip()
        else:
            items.append(line.strip())
    return items


def render_block(block: Block, heading_offset: int) -> str:
    if block.kind == "pre":
        return f"<pre><code>{escape(chr(10).join(block.lines))}</code></pre>"
    if block.kind == "ul":
        items = "".join(f"<li>{inline(item)}</li>" for item in list_items(block.lines))
        return f"<ul>{items}</ul>"
    if block.kind.startswith("h"):
        level = min(6, int(block.kind[1]) + heading_offset)
        return f"<h{level}>{inline(block.lines[0])}</h{level}>"
    return f"<p>{inline(' '.join(line.strip() for line in block.lines))}</p>"


def to_html(text: str, heading_offset: int = 2) -> Markup:
    """Render a docs text as HTML; `#` headings become h(1 + heading_offset) and below."""
    return Markup("\n".join(render_block(block, heading_offset) for block in split_blocks(text)))


def to_inline_html(text: str) -> Markup:
    """Render a one-paragraph text without the enclosing <p> (for captions and cells)."""
    return Markup(inline(" ".join(line.strip() for line in text.strip().splitlines())))
