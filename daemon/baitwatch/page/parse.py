"""Reading hostile HTML safely: bounded in size, depth and time.

The parser is libxml2's HTML parser (lxml): its time grows with the input's length whatever the
markup (a million nested elements, thousands of unclosed formatting or option elements, which
made an HTML5 parser we measured take minutes), and it stops nesting at 256 levels. The
extension's snapshot flattens nesting deeper than that before it sends a page, so nothing a page
shows is lost to the cap; a saved file nested deeper is read as far as the cap.
"""

from __future__ import annotations

import re

from baitwatch.errors import BaitwatchError

MAX_HTML_BYTES = 5 << 20  # the largest saved page of the corpus is 3.2 MB; the extension sends at most 1 MiB
# An XML declaration with an encoding is refused by lxml for text that is already decoded.
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*>", re.IGNORECASE)
_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_.:-]{1,40})""", re.IGNORECASE)


class PageError(BaitwatchError):
    """A page that cannot be read within the limits; ``code`` is the API's word for why."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


def parse_html(html: str):
    """The lxml document of ``html``, or PageError."""
    import lxml.etree
    import lxml.html

    encoded = _XML_DECLARATION.sub("", html, count=1).encode("utf-8", "replace")  # a lone surrogate becomes '?'
    if len(encoded) > MAX_HTML_BYTES:
        raise PageError("page-too-large", f"The page is {len(encoded):,} bytes, more than the {MAX_HTML_BYTES >> 20} MiB read.")
    parser = lxml.html.HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True)
    try:
        document = lxml.html.document_fromstring(encoded, parser=parser) if encoded.strip() else None
    except (lxml.etree.ParserError, ValueError):
        document = None
    if document is None:
        raise PageError("page-unreadable", "The page holds no HTML document.")
    return document


def decode_html(data: bytes) -> str:
    """A saved page's text: by its byte-order mark, else UTF-8, else the charset its first bytes
    declare, else Windows-1252; bytes that do not decode are replaced, never an error."""
    for mark, encoding in ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")):
        if data.startswith(mark):
            return data[len(mark):].decode(encoding, "replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    declared = _CHARSET.search(data[:4096])
    encoding = declared.group(1).decode("ascii").lower() if declared else "windows-1252"
    try:
        return data.decode(encoding, "replace")
    except LookupError:  # a charset Python does not know
        return data.decode("windows-1252", "replace")
