"""The hostile corpus (tests/security/corpus.py) through every form of the app: no 5xx, nothing executed,
everything escaped.

The forms are not listed here: every page of a populated app is opened (tests/security/world.py) and every
form found on it is sent, so a new form is covered without editing this file. Each POST form is sent once
per payload with the payload in every free-text field and valid values in the structured ones (so the data
is stored and shows up on other pages), then once per payload with the payload in every field at all. GET
forms (search, filters) get the payload in every field, select boxes included. Then every page is opened
again: each must render without a server error and without any markup that came from the data, and each XSS
payload must be visible somewhere as escaped text (proof that it was stored and shown, not dropped).
"""

from __future__ import annotations

import re
import secrets
from urllib.parse import urlencode

from markupsafe import escape
from werkzeug.datastructures import MultiDict

from tests.security.corpus import ARGUMENTS, CORPUS, MARK, SAMPLE, XSS, printable
from tests.security.html_checks import Form, injected_markup, parse_forms
from tests.security.world import admin_client, describe, fetch, page_urls

REDIRECTS = (301, 302, 303, 307, 308)
PASSPHRASE = "una frase de paso bastante larga 2025"

# Fields that need a valid value for the rest of the form to be stored: (action pattern, name) -> value.
# "{n}" is replaced by a counter. Everything else that is a text field gets the payload.
STRUCTURED = [
    (r".*", r"email", "hostil{n}@example.org"),
    (r".*", r"phone", ""),
    (r".*", r"(received_on|date)", "2025-03-03"),
    (r".*", r"(attended_on|opens_at|closes_at)", ""),
    (r".*", r"year", "2025"),
    (r".*", r"password|current|confirm", PASSPHRASE),
    (r"/privacidad/solicitudes", r"person_id", ""),
    (r"/asistencia", r"emails", "{person_email}"),
    (r"/preguntas/", r"name", None),  # keep what the page shows (empty: generated from the text)
    (r"/preguntas/", r"choices-(\d+)-code", "op{group1}"),
    (r"/r/", r"q_(edad|fecha)", ""),
]
CHECK = {"consent"}  # check boxes a valid submission needs
SKIP_ACTIONS = re.compile(r"^/salir$")  # logging out would end the run
# Valid values here would change the admin's password: these get the payload in every field only.
EVERYWHERE_ONLY = re.compile(r"^/cuenta/contrasena$")


def _pattern(action: str) -> str:
    path = action.split("?", 1)[0]
    path = re.sub(r"^/r/[^/]+", "/r/T", path)
    return re.sub(r"/\d+", "/N", path)


def _structured(action: str, name: str, counter: int, world) -> tuple[bool, str | None]:
    for action_re, name_re, value in STRUCTURED:
        match = re.fullmatch(name_re, name)
        if re.search(action_re, action) and match:
            if value is None:
                return True, None
            groups = {f"group{i}": g for i, g in enumerate(match.groups(), start=1)}
            return True, value.format(n=counter, person_email=world.person_email, **groups)
    return False, None


def _fill(form: Form, payload: str, counter: int, world, everywhere: bool) -> list[tuple[str, str]]:
    data: list[tuple[str, str]] = []
    radios_done: set[str] = set()
    for f in form.fields:
        if f.type in ("submit", "button", "image", "reset", "file"):
            continue
        if f.type == "hidden" or f.hidden_from_people:
            if everywhere and f.name != "csrf_token":
                value = payload
            else:
                value = secrets.token_urlsafe(24) if f.name == "_clave" else f.value
            data.append((f.name, value))
            continue
        if f.type == "radio":
            if f.name not in radios_done:
                radios_done.add(f.name)
                data.append((f.name, payload if everywhere else f.value))
            continue
        if f.type == "checkbox":
            if f.checked or f.name in CHECK:
                data.append((f.name, f.value or "y"))
            continue
        if f.type == "select":
            data.append((f.name, payload if everywhere else f.value))
            continue
        structured, value = _structured(form.action, f.name, counter, world)
        if everywhere or not structured:
            data.append((f.name, payload))
        else:
            data.append((f.name, f.value if value is None else value))
    return data


def _check_page(response, where: str, problems: list[str]) -> None:
    if response.status_code >= 500:
        problems.append(f"{where}: {response.status_code}")
        return
    if "html" in response.headers.get("Content-Type", ""):
        for problem in injected_markup(response.get_data(as_text=True)):
            problems.append(f"{where}: {problem}")


def _send(client, form: Form, data, where: str, problems: list[str], shown: list[str], follow: bool = True) -> None:
    try:
        if form.method == "post":
            response = client.post(form.action, data=MultiDict(data))
        else:
            path = form.action.split("?", 1)[0]
            response = client.get(f"{path}?{urlencode(data)}")
    except Exception as exc:  # the test app propagates exceptions: that is a 500 for a user
        problems.append(f"{where}: {type(exc).__name__}: {str(exc)[:200]}")
        from crm.core.extensions import db

        db.session.rollback()
        return
    _check_page(response, where, problems)
    if response.status_code in REDIRECTS:
        location = response.headers["Location"]
        if follow and location.startswith("/"):
            followed = client.get(location)  # flash messages that quote the data are shown here
            _check_page(followed, f"{where} -> {location}", problems)
            if "html" in followed.headers.get("Content-Type", ""):
                shown.append(followed.get_data(as_text=True))
    elif "html" in response.headers.get("Content-Type", ""):
        shown.append(response.get_data(as_text=True))


def _discover(client, app) -> dict[tuple, tuple[str, int]]:
    """(method, action pattern, field names) -> (page url, index of the form on that page)."""
    found: dict[tuple, tuple[str, int]] = {}
    for _, url in page_urls(app, per_kind=3):
        response = client.get(url)
        if "html" not in response.headers.get("Content-Type", ""):
            continue
        for index, form in enumerate(parse_forms(response.get_data(as_text=True), url)):
            if SKIP_ACTIONS.match(form.action.split("?", 1)[0]):
                continue
            if not [f for f in form.text_fields() if not f.hidden_from_people]:
                continue  # buttons only: nothing to type into (tests/security/test_csrf.py sends those)
            names = tuple(sorted({f.name for f in form.fields}))
            found.setdefault((form.method, _pattern(form.action), names), (url, index))
    return found


def test_every_form_takes_the_hostile_corpus(app, world):
    client = admin_client(app, world)
    forms = _discover(client, app)
    kinds = {pattern for _, pattern, _ in forms}
    for expected in ("/contactos/nueva", "/contactos/N/editar", "/contactos/N/notas", "/organizaciones/nueva",
                     "/actividades/nueva", "/actividades/N/asistencia", "/gestiones", "/privacidad/solicitudes",
                     "/observacion/participantes/N", "/encuestas/nueva", "/encuestas/nueva/plantilla",
                     "/encuestas/N/editar", "/encuestas/N/preguntas/nueva", "/encuestas/N/preguntas/N",
                     "/encuestas/N/invitar", "/administracion/usuarios", "/unirse/rvc", "/contactos",
                     "/cuenta/contrasena"):
        assert expected in kinds, f"no form found for {expected}: the discovery missed a page ({sorted(kinds)})"
    assert "/r/T" in kinds, "the respondent form was not found"

    problems: list[str] = []
    shown: list[str] = []
    counter = 0
    for (method, pattern, _), (url, index) in sorted(forms.items()):
        page = client.get(url).get_data(as_text=True)
        form = parse_forms(page, url)[index]
        # every payload in the free-text fields; a sample everywhere. Forms that hash a password per success
        # (scrypt, slow on purpose) get the sample only.
        slow = any(f.type == "password" for f in form.fields)
        text_round = (SAMPLE if slow else CORPUS) if method == "post" and not EVERYWHERE_ONLY.match(pattern) else []
        everywhere_round = SAMPLE if method == "post" else CORPUS
        rounds = [(p, False) for p in text_round] + [(p, True) for p in everywhere_round]
        for payload, everywhere in rounds:
            counter += 1
            data = _fill(form, payload, counter, world, everywhere)
            where = f"{method.upper()} {form.action} [{'every field' if everywhere else 'text fields'}: {printable(payload)}]"
            # the page after a redirect shows flash messages quoting the data: read it for the markup payloads
            _send(client, form, data, where, problems, shown, follow=payload in XSS or payload in SAMPLE)
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(problems[:40])

    # Every page again, now full of hostile data.
    for endpoint, url in page_urls(app, per_kind=12):
        response = client.get(url)
        _check_page(response, f"GET {url} [{endpoint}]", problems)
        if "html" in response.headers.get("Content-Type", ""):
            shown.append(response.get_data(as_text=True))
    anonymous = app.test_client()
    for path in (f"/r/{world.open_token}", f"/r/{world.open_token}?lang=en", "/unirse/rvc", "/acceso"):
        response = anonymous.get(path)
        _check_page(response, f"GET {path} (anonymous)", problems)
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(problems[:40])

    everything = "\n".join(shown)
    missing = [printable(p) for p in XSS if str(escape(p)) not in everything and p.replace(MARK, "") != p]
    assert not missing, f"XSS payloads never shown as escaped text (stored nowhere?): {missing}"


PATH_VALUES = ["\x00", "a\x00b", "A" * 3000, f"<script>{MARK}</script>", "%", "%25", "..", "../..", "%2e%2e",
               "\u202eabc", "ñ", "-1", "0", "99999999999999999999", "1e9", " ", "'"]


def test_hostile_path_segments_never_break_a_page(app, world):
    """Every route with its arguments replaced by hostile text (ids that are not numbers, NUL, very long)."""
    from urllib.parse import quote

    from tests.security.test_role_matrix import all_routes

    client = admin_client(app, world)
    anonymous = app.test_client()
    problems: list[str] = []
    checked = 0
    for route in all_routes(app):
        if not route.rule.arguments or route.endpoint in ("static", "bootstrap.static", "auth.logout"):
            continue
        for value in PATH_VALUES:
            parts = []
            for kind, text in route.rule._trace:
                if kind:
                    parts.append(quote(value, safe="") or "x")
                else:
                    parts.append(text)
            path = "".join(parts).split("|", 1)[-1]
            for who, browser in (("admin", client), ("anonymous", anonymous)):
                try:
                    response = browser.open(path, method=route.method)
                except Exception as exc:
                    from crm.core.extensions import db

                    db.session.rollback()
                    problems.append(f"{who} {route.method} {path[:80]}: {type(exc).__name__}: {str(exc)[:160]}")
                    continue
                checked += 1
                if response.status_code >= 500:
                    problems.append(f"{who} {route.method} {path[:80]}: {response.status_code}")
                elif "html" in response.headers.get("Content-Type", ""):
                    problems += [f"{who} {path[:80]}: {p}" for p in injected_markup(response.get_data(as_text=True))]
    assert checked > 100
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(problems[:40])


def test_login_form_takes_the_hostile_corpus(app):
    from tests.factories import make_user

    make_user(email="real@iecm.mx")
    client = app.test_client()
    problems: list[str] = []
    attempts = [{"email": p, "password": p} for p in CORPUS]  # each check of a password costs a scrypt: a sample
    attempts += [{"email": "real@iecm.mx", "password": p} for p in SAMPLE]
    attempts += [{"email": f"real@iecm.mx{p}", "password": "x"} for p in SAMPLE]
    for data in attempts:
        response = fetch(client, "/acceso", "POST", data=data)
        if response.status_code >= 500 or response.status_code in REDIRECTS:
            problems.append(f"{printable(str(data))}: {describe(response)}")
        else:
            problems += injected_markup(response.get_data(as_text=True))
    assert not problems, problems[:20]


def _argument_names() -> list[str]:
    """Every request argument the code reads, found in the source (so a new filter is covered)."""
    from pathlib import Path

    from crm.contacts.search import PeopleFilter

    root = Path(__file__).resolve().parents[2]
    names = {name for _, (name, _) in PeopleFilter.ARGS.items()}
    pattern = re.compile(r"""(?:args|values|form)\.get(?:list)?\(\s*"([a-zA-Z_]+)"|number\("([a-z_]+)"\)""")
    for folder in ("crm", "surveys"):
        for path in (root / folder).rglob("*.py"):
            for match in pattern.finditer(path.read_text(encoding="utf-8")):
                names.add(match.group(1) or match.group(2))
    names.discard("csrf_token")
    return sorted(names)


def test_hostile_query_strings_never_break_a_page(app, world):
    """Every GET page with every argument the code reads set to a hostile value at once."""
    names = _argument_names()
    assert {"q", "anio", "pagina", "lang", "estado"} <= set(names), names
    client = admin_client(app, world)
    anonymous = app.test_client()
    problems: list[str] = []
    for endpoint, url in page_urls(app, per_kind=1):
        browser = anonymous if endpoint.startswith(("public.", "signup.", "privacy.")) else client
        for payload in ARGUMENTS:
            query = urlencode([(name, payload) for name in names])
            response = fetch(browser, f"{url}?{query}")
            if response.status_code >= 500:
                problems.append(f"GET {url}?<every argument>={printable(payload)} [{endpoint}]: "
                                f"{describe(response)}")
            elif "html" in response.headers.get("Content-Type", ""):
                problems += [f"GET {url}?...={printable(payload)}: {p}"
                             for p in injected_markup(response.get_data(as_text=True))]
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(problems[:40])


def test_invitation_mail_headers_cannot_be_injected(app, world):
    """A survey title or a person's name with line breaks must not add headers to the invitation e-mail."""
    from crm.contacts.models import Person
    from crm.core.extensions import db
    from crm.core.mail import outbox
    from surveys.models import Survey

    injected = "Encuesta\r\nBcc: intruso@evil.example\r\n\r\n<script>x</script>"
    survey = db.session.get(Survey, world.survey_id)
    survey.title, survey.titles = injected, {"es": injected, "en": injected}
    person = db.session.get(Person, world.person_id)
    person.given_name = "Marta\r\nCc: otro@evil.example"
    db.session.commit()
    client = admin_client(app, world)
    page = client.get(f"/encuestas/{world.survey_id}/invitar?origen=red&red=rvc&q=marta.hostil")
    form = next(f for f in parse_forms(page.get_data(as_text=True), "/")
                if f.method == "post" and f.action.endswith("/invitar"))
    outbox().clear()
    response = client.post(form.action, data={**dict(form.defaults()), "send": "1", "note": injected})
    assert response.status_code in (302, 303), response.status_code
    assert outbox(), "no invitation was sent: the test selected nobody"
    for message in outbox():
        for name, value in message.items():
            assert "\n" not in value and "\r" not in value, (name, value)
        assert message["Bcc"] is None and message["Cc"] is None
        assert len(message.get_all("To")) == 1
