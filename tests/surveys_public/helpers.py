"""Small helpers for the respondent-page tests: a page reader on the standard library's HTML parser."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from crm.core.extensions import db
from surveys.models import Invitation


class Page(HTMLParser):
    """What a test needs from a page: <html lang>, form fields, label texts by `for`, legends, links."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.html = html
        self.lang = None
        self.inputs: list[dict] = []  # input, textarea, select attributes (+ "tag")
        self.labels: dict[str, str] = {}  # for -> text
        self.legends: list[str] = []
        self.links: list[dict] = []
        self.forms = 0
        self._label_for: str | None = None
        self._label_text: list[str] = []
        self._legend: list[str] | None = None
        self._hidden_depth = 0
        self._stack: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "html":
            self.lang = attrs.get("lang")
        elif tag == "form":
            self.forms += 1
        elif tag in ("input", "textarea", "select"):
            self.inputs.append({"tag": tag, **attrs})
        elif tag == "label":
            self._label_for = attrs.get("for")
            self._label_text = []
        elif tag == "legend":
            self._legend = []
        elif tag == "a":
            self.links.append(attrs)
        if tag == "span" and attrs.get("aria-hidden") == "true":
            self._hidden_depth += 1
            self._stack.append("hidden")
        elif tag == "span":
            self._stack.append("span")

    def handle_endtag(self, tag):
        if tag == "label" and self._label_for is not None:
            self.labels[self._label_for] = _squash("".join(self._label_text))
            self._label_for = None
        elif tag == "legend" and self._legend is not None:
            self.legends.append(_squash("".join(self._legend)))
            self._legend = None
        elif tag == "span" and self._stack:
            if self._stack.pop() == "hidden":
                self._hidden_depth -= 1

    def handle_data(self, data):
        if self._hidden_depth:
            return  # aria-hidden text is not part of an accessible name
        if self._label_for is not None:
            self._label_text.append(data)
        if self._legend is not None:
            self._legend.append(data)

    def fields(self) -> list[dict]:
        return [f for f in self.inputs if f.get("type") not in ("hidden", "submit")]

    def hidden(self, name: str) -> str | None:
        return next((f.get("value") for f in self.inputs if f.get("type") == "hidden" and f.get("name") == name),
                    None)

    def value(self, name: str) -> str | None:
        return next((f.get("value") for f in self.inputs if f.get("name") == name and "value" in f), None)

    def checked(self, name: str) -> list[str]:
        return [f["value"] for f in self.inputs if f.get("name") == name and "checked" in f]

    def label_of(self, field_id: str) -> str | None:
        return self.labels.get(field_id)


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def invite(survey, person, token: str | None = None, **kwargs) -> Invitation:
    import secrets

    invitation = Invitation(survey_id=survey.id, person_id=person.id, token=token or secrets.token_urlsafe(32),
                            **kwargs)
    db.session.add(invitation)
    db.session.commit()
    return invitation


def answer(client, token: str, data: dict | None = None, **params):
    """POSTs the form as the page renders it (hidden fields included), with `data` as the answers."""
    query = "&".join(f"{k}={v}" for k, v in params.items())
    page = Page(client.get(f"/r/{token}" + (f"?{query}" if query else "")).get_data(as_text=True))
    form = {"csrf_token": page.hidden("csrf_token"), "_clave": page.hidden("_clave"), "_lang": page.hidden("_lang")}
    form.update(data or {})
    return client.post(f"/r/{token}", data=form)
