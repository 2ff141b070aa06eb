"""Reading pages as a browser would: the forms they hold, and markup that came from data instead of templates."""

from __future__ import annotations

import html as html_lib
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

from tests.security.corpus import MARK

URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "poster", "background", "srcdoc", "data"}
FOREIGN_TAGS = {"iframe", "frame", "object", "embed", "applet", "base", "meta", "math", "mglyph"}


class _Scanner(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self._raw: str | None = None  # inside <script> or <style>
        self._raw_text: list[str] = []
        self._in_body = False

    def handle_starttag(self, tag, attrs):
        self._check(tag, attrs)
        if tag in ("script", "style"):
            if tag == "script" and not dict(attrs).get("src"):
                self.problems.append("an inline <script> (CSP forbids it; data may have opened it)")
            self._raw, self._raw_text = tag, []

    def handle_startendtag(self, tag, attrs):
        self._check(tag, attrs)

    def _check(self, tag, attrs):
        for name, value in attrs:
            value = value or ""
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=...>: an event handler attribute ({value[:60]!r})")
            if name in URL_ATTRIBUTES:
                squashed = "".join(value.split()).lower()
                if squashed.startswith(("javascript:", "vbscript:", "data:text/html")):
                    self.problems.append(f"<{tag} {name}={value[:60]!r}>: a script URL")
                if MARK in value and (name in ("src", "srcdoc", "data") or value.lstrip().startswith("//")):
                    self.problems.append(f"<{tag} {name}={value[:60]!r}>: a resource named by the data")
            if name in ("style",) and MARK in value:
                self.problems.append(f"<{tag} style=...> carries data")
        if tag in FOREIGN_TAGS and (tag != "meta" or not self._is_template_meta(attrs)):
            self.problems.append(f"<{tag}> element: {attrs!r:.100}")

    @staticmethod
    def _is_template_meta(attrs) -> bool:
        names = {name for name, _ in attrs}
        return bool(names & {"charset", "name"}) and not any(MARK in (v or "") for _, v in attrs)

    def handle_endtag(self, tag):
        if self._raw == tag:
            text = "".join(self._raw_text)
            if MARK in text:
                self.problems.append(f"<{tag}> element with data inside: {text[:80]!r}")
            self._raw = None

    def handle_data(self, data):
        if self._raw:
            self._raw_text.append(data)


def injected_markup(page: str) -> list[str]:
    """Markup in a page that only hostile data could have put there (empty list: nothing found)."""
    scanner = _Scanner()
    scanner.feed(page)
    scanner.close()
    problems = scanner.problems
    if "49{% raw %}" in page or f"49{MARK}" in page:
        problems.append("a template expression from the data was evaluated")
    return problems


# --- forms -------------------------------------------------------------------------------------------


@dataclass
class Field:
    name: str
    tag: str  # input, textarea, select
    type: str  # the input type; "select" / "textarea" for those
    value: str = ""
    checked: bool = False
    options: list[str] = field(default_factory=list)
    hidden_from_people: bool = False  # inside an aria-hidden container (a honeypot)


@dataclass
class Form:
    method: str
    action: str
    fields: list[Field] = field(default_factory=list)
    submit_names: list[tuple[str, str]] = field(default_factory=list)

    def defaults(self) -> list[tuple[str, str]]:
        """What a browser sends when the form is submitted as shown (no submit button's name)."""
        data = []
        for f in self.fields:
            if f.type in ("checkbox", "radio"):
                if f.checked:
                    data.append((f.name, f.value or "on"))
            elif f.type in ("submit", "button", "image", "reset", "file"):
                continue
            else:
                data.append((f.name, f.value))
        return data

    def text_fields(self) -> list[Field]:
        return [f for f in self.fields if f.type in ("text", "search", "url", "textarea", "email", "tel", "", "number",
                                                     "date", "datetime-local", "password")]


class _FormParser(HTMLParser):
    def __init__(self, base: str):
        super().__init__(convert_charrefs=True)
        self.base = base
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: Field | None = None
        self._option: dict | None = None
        self._textarea: Field | None = None
        self._hidden_depth: list[bool] = []

    def handle_starttag(self, tag, attrs):
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag in ("div", "span", "p", "section", "fieldset"):
            self._hidden_depth.append(a.get("aria-hidden") == "true")
        if tag == "form":
            action = urljoin(self.base, a.get("action") or self.base)
            parts = urlsplit(action)
            self._form = Form((a.get("method") or "get").lower(), parts.path + (f"?{parts.query}" if parts.query else ""))
            self.forms.append(self._form)
            return
        if self._form is None:
            return
        hidden = any(self._hidden_depth)
        if tag == "input" and a.get("name"):
            kind = (a.get("type") or "text").lower()
            if kind in ("submit", "image"):
                self._form.submit_names.append((a["name"], a.get("value", "")))
                return
            self._form.fields.append(Field(a["name"], "input", kind, a.get("value", ""), "checked" in a,
                                           hidden_from_people=hidden))
        elif tag == "button" and a.get("name"):
            self._form.submit_names.append((a["name"], a.get("value", "")))
        elif tag == "textarea" and a.get("name"):
            self._textarea = Field(a["name"], "textarea", "textarea", "", hidden_from_people=hidden)
            self._form.fields.append(self._textarea)
        elif tag == "select" and a.get("name"):
            self._select = Field(a["name"], "select", "select", "", hidden_from_people=hidden)
            self._form.fields.append(self._select)
        elif tag == "option" and self._select is not None:
            self._option = {"value": a.get("value"), "selected": "selected" in a, "text": []}

    def handle_endtag(self, tag):
        if tag in ("div", "span", "p", "section", "fieldset") and self._hidden_depth:
            self._hidden_depth.pop()
        if tag == "form":
            self._form = None
        elif tag == "textarea":
            if self._textarea is not None and self._textarea.value.startswith("\n"):
                self._textarea.value = self._textarea.value[1:]
            self._textarea = None
        elif tag == "option" and self._option is not None:
            self._close_option()
        elif tag == "select" and self._select is not None:
            if self._option is not None:
                self._close_option()
            if not self._select.value and self._select.options:
                self._select.value = self._select.options[0]
            self._select = None

    def _close_option(self):
        value = self._option["value"]
        if value is None:
            value = "".join(self._option["text"]).strip()
        self._select.options.append(value)
        if self._option["selected"]:
            self._select.value = value
        self._option = None

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea.value += data
        if self._option is not None:
            self._option["text"].append(data)


def parse_forms(page: str, base: str) -> list[Form]:
    parser = _FormParser(base)
    parser.feed(page)
    parser.close()
    return parser.forms


def text_of(page: str) -> str:
    return html_lib.unescape(page)
