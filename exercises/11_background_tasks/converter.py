"""Markdown to HTML: the slow, blocking work this service exists for.

Don't change this: the grader replaces the converter (README, "Grading interface").

It knows a small part of Markdown (headings, paragraphs, fenced code, **strong**, *emphasis* and
`code`), but it has the shape of the real thing: a plain function that holds its thread until the
document is done. Real converters (pandoc, a PDF renderer) take seconds on a long document, and
there is no `await` anywhere inside them.
"""

import html
import re
from collections.abc import Callable

#: Turns a Markdown document into HTML; raises ConversionError for a document it cannot convert.
Converter = Callable[[str], str]

_FENCE = "```"
_HEADING = re.compile(r"(#{1,6})\s+(.+)")
_CODE_SPAN = re.compile(r"`([^`]+)`")
_STRONG = re.compile(r"\*\*(.+?)\*\*")
_EMPHASIS = re.compile(r"\*(.+?)\*")


class ConversionError(Exception):
    """The document cannot be converted; the message says why, in words its author can act on."""


def _inline(text: str) -> str:
    parts = _CODE_SPAN.split(text)
    html_parts = []
    for index, part in enumerate(parts):
        if index % 2:
            html_parts.append(f"<code>{html.escape(part)}</code>")
        else:
            part = _STRONG.sub(r"<strong>\1</strong>", html.escape(part))
            html_parts.append(_EMPHASIS.sub(r"<em>\1</em>", part))
    return "".join(html_parts)


def convert(markdown: str) -> str:
    """The HTML for `markdown`; raises ConversionError for a code block that is never closed."""
    blocks: list[str] = []
    paragraph: list[str] = []
    code: list[str] | None = None
    fence_line = 0

    def end_paragraph() -> None:
        if paragraph:
            blocks.append(f"<p>{_inline(' '.join(paragraph))}</p>")
            paragraph.clear()

    for number, line in enumerate(markdown.splitlines(), start=1):
        text = line.strip()
        if code is not None:
            if text == _FENCE:
                blocks.append(f"<pre><code>{html.escape(chr(10).join(code))}</code></pre>")
                code = None
            else:
                code.append(line)
        elif text.startswith(_FENCE):
            end_paragraph()
            code, fence_line = [], number
        elif heading := _HEADING.fullmatch(text):
            end_paragraph()
            level = len(heading[1])
            blocks.append(f"<h{level}>{_inline(heading[2])}</h{level}>")
        elif text:
            paragraph.append(text)
        else:
            end_paragraph()
    if code is not None:
        raise ConversionError(f"line {fence_line}: the code block is never closed")
    end_paragraph()
    return "\n".join(blocks)
