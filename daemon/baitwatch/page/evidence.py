"""The facts of a page that bear on phishing, read from its parsed DOM within a time budget.

What a field asks for is read from what the page says about it (type, autocomplete, name, id,
placeholder, label): never its value, which the extension does not send either. Text comes
from the document as parsed, scripts and styles left out; the rendered DOM the extension sends
holds the text a script put there.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from baitwatch.page.parse import PageError, parse_html

MAX_ELEMENTS = 60_000  # a page's elements read; a larger page is judged on its first ones
TIME_BUDGET_SECONDS = 1.0  # reading one page; past it the page is an error, never "safe"
MAX_TEXT_CHARS = 50_000
MAX_ITEMS = 500  # links, images, forms and fields kept, each
NOT_SHOWN = ("script", "style", "noscript", "template", "svg", "math", "head", "title", "textarea", "select")

# What an input asks for, by what the page says about it. Separators inside names vary
# (user_name, user-name, userName), so each pattern allows one or none.
_SEP = r"[\s_\-.]?"
FIELD_KINDS = {
    "password": re.compile(rf"pass{_SEP}(word|wd|code)|\bpwd\b|\bpin\b|passwort|contrase|mot{_SEP}de{_SEP}passe|senha|parola", re.I),
    "one-time code": re.compile(rf"\botp\b|one{_SEP}time|verification{_SEP}code|security{_SEP}code|sms{_SEP}code|auth\w*{_SEP}code|2fa|mfa|token{_SEP}code", re.I),
    "card": re.compile(rf"card{_SEP}(number|num|no)|cc{_SEP}(num|number|no)\b|credit{_SEP}card|\bcvv|\bcvc|\bcsc\b|card{_SEP}code|expir|exp{_SEP}(date|month|year)", re.I),
    "secret phrase": re.compile(rf"mnemonic|seed{_SEP}phrase|recovery{_SEP}phrase|secret{_SEP}phrase|private{_SEP}key|keystore", re.I),
    "identity number": re.compile(rf"\bssn\b|social{_SEP}security|national{_SEP}id|tax{_SEP}id|date{_SEP}of{_SEP}birth|\bdob\b", re.I),
    "email": re.compile(rf"e{_SEP}mail|courriel|correo", re.I),
    "phone": re.compile(r"phone|mobile|\btel\b|msisdn", re.I),
    "username": re.compile(rf"user{_SEP}(name|id)?|login|log{_SEP}in|sign{_SEP}in|account|userid|\buid\b|member{_SEP}id|customer{_SEP}(id|number)", re.I),
}
SECRET_KINDS = ("password", "one-time code", "card", "secret phrase", "identity number")  # what a phisher is after
IDENTITY_KINDS = ("email", "phone", "username")  # the first step of a two-step sign-in
NOT_ASKING_TYPES = frozenset({"hidden", "submit", "button", "image", "reset", "checkbox", "radio", "file", "range", "color", "search"})
AUTOCOMPLETE_KINDS = {
    "current-password": "password", "new-password": "password", "one-time-code": "one-time code",
    "email": "email", "username": "username", "tel": "phone", "bday": "identity number",
}


@dataclass
class Form:
    action: str  # "" (this page), "javascript", "mailto", "data", or the absolute or relative address as written
    asks: list[str]  # the kinds of the fields inside it


@dataclass
class PageEvidence:
    title: str = ""
    site_name: str = ""  # og:site_name or application-name, which kits copy from the brand
    headings: list[str] = field(default_factory=list)
    text: str = ""  # visible text, whitespace collapsed, at most MAX_TEXT_CHARS
    fields: dict[str, int] = field(default_factory=dict)  # kind -> how many fields ask for it
    text_inputs: int = 0  # fields a person types into, of any kind
    hidden_inputs: int = 0
    forms: list[Form] = field(default_factory=list)
    links: list[str] = field(default_factory=list)  # href attributes as written
    images: list[str] = field(default_factory=list)  # each image's alt, title, src, id and class, joined
    icons: list[str] = field(default_factory=list)  # favicon and touch-icon hrefs
    iframes: int = 0
    elements: int = 0
    truncated: bool = False  # more than MAX_ELEMENTS elements: the rest was not read

    def asks_secrets(self) -> bool:
        return any(self.fields.get(kind) for kind in SECRET_KINDS)

    def asks_anything(self) -> bool:
        return self.asks_secrets() or any(self.fields.get(kind) for kind in IDENTITY_KINDS)

    def asked(self) -> list[str]:
        return [kind for kind in FIELD_KINDS if self.fields.get(kind)]


def read_page(html: str, clock=time.monotonic) -> PageEvidence:
    """The evidence of ``html`` (a page's DOM or saved HTML), or PageError."""
    from lxml import etree

    started = clock()
    document = parse_html(html)
    evidence = PageEvidence(title=_collapse(document.findtext(".//title") or "")[:300])
    text: list[str] = []
    room = MAX_TEXT_CHARS
    hidden = 0  # how many elements that show no text (NOT_SHOWN) enclose the walk's position
    forms: list[Form | None] = []  # the forms enclosing the position (None: one past MAX_ITEMS)
    for event, element in etree.iterwalk(document, events=("start", "end")):
        tag = element.tag.lower() if isinstance(element.tag, str) else ""
        if event == "end":
            if tag in NOT_SHOWN:
                hidden -= 1
            elif tag == "form":
                forms.pop()
            if element.tail and not hidden and room > 0:  # the text after an element is its parent's
                text.append(element.tail)
                room -= len(element.tail)
            continue
        evidence.elements += 1
        if evidence.elements % 1000 == 0 and clock() - started > TIME_BUDGET_SECONDS:
            raise PageError("page-too-slow", f"The page could not be read within {TIME_BUDGET_SECONDS:g} s.")
        if evidence.elements > MAX_ELEMENTS:
            evidence.truncated = True
            break
        if tag in NOT_SHOWN:
            hidden += 1
        elif element.text and not hidden and room > 0:
            text.append(element.text)
            room -= len(element.text)
        if tag == "form":
            forms.append(Form(_action(element.get("action")), []) if len(evidence.forms) < MAX_ITEMS else None)
            if forms[-1]:
                evidence.forms.append(forms[-1])
        else:
            _read_element(tag, element, evidence, forms[-1] if forms else None)
    evidence.text = _collapse(" ".join(text))[:MAX_TEXT_CHARS]
    return evidence


def _read_element(tag: str, element, evidence: PageEvidence, form: Form | None) -> None:
    get = element.get
    if tag in ("input", "textarea"):
        kind_of_input = (get("type") or "text").strip().lower() if tag == "input" else "textarea"
        if kind_of_input == "hidden":
            evidence.hidden_inputs += 1
        elif kind_of_input not in NOT_ASKING_TYPES:
            evidence.text_inputs += 1
            kind = _field_kind(kind_of_input, element)
            if kind:
                evidence.fields[kind] = evidence.fields.get(kind, 0) + 1
                if form is not None:
                    form.asks.append(kind)
    elif tag in ("a", "area") and get("href") is not None and len(evidence.links) < MAX_ITEMS:
        evidence.links.append(get("href").strip()[:500])
    elif tag == "img" and len(evidence.images) < MAX_ITEMS:
        evidence.images.append(" ".join(filter(None, (get(name) for name in ("alt", "title", "src", "id", "class"))))[:500])
    elif tag == "link" and "icon" in (get("rel") or "").lower() and get("href") and len(evidence.icons) < MAX_ITEMS:
        evidence.icons.append(get("href").strip()[:500])
    elif tag == "meta" and (get("property") or get("name") or "").lower() in ("og:site_name", "application-name"):
        evidence.site_name = evidence.site_name or _collapse(get("content") or "")[:200]
    elif tag in ("h1", "h2", "h3") and len(evidence.headings) < 50:
        heading = _collapse(element.text_content()[:2000])[:300]
        if heading:
            evidence.headings.append(heading)
    elif tag in ("iframe", "frame"):
        evidence.iframes += 1


def _field_kind(input_type: str, element) -> str | None:
    """What one field asks for, or None for a field that asks for nothing in particular."""
    autocomplete = (element.get("autocomplete") or "").lower().split()
    for token in autocomplete:
        if token.startswith("cc-"):
            return "card"
        if token in AUTOCOMPLETE_KINDS:
            return AUTOCOMPLETE_KINDS[token]
    if input_type == "password":
        return "password"
    if input_type == "email":
        return "email"
    if input_type == "tel":
        return "phone"
    described = " ".join(filter(None, (element.get(name) for name in ("name", "id", "placeholder", "aria-label", "title", "formcontrolname"))))
    return next((kind for kind, pattern in FIELD_KINDS.items() if pattern.search(described)), None)


def _action(action: str | None) -> str:
    action = (action or "").strip()
    if not action or action.startswith("#"):
        return ""
    scheme = urlsplit(action).scheme.lower() if ":" in action else ""
    return scheme if scheme in ("javascript", "mailto", "data") else action[:500]


def _collapse(text: str) -> str:
    return " ".join(text.split())
