"""crm/static/survey-logic.js in Chromium: the same answers as the Python evaluator, and the page wiring.

- Every case of tests/surveys_logic/cases.json (shared with the Python side) through VinculoLogic.evaluate.
- Random expression trees evaluated by both sides (hypothesis): the browser agrees with surveys.logic.evaluate.
- A hand-made page: relevance (a question and a group), a choice filter, a constraint and a required message,
  a calculation, ${ref} in a label, inputs of hidden questions left out of the submission.
- The script is served from the static folder under a fingerprinted, year-long URL, and stays small.

The browser's own time zone is Tokyo's on purpose: today() and now() must be Mexico City's all the same.
"""

from __future__ import annotations

import gzip
import json
import math
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "crm" / "static" / "survey-logic.js"
CASES_FILE = Path(__file__).with_name("cases.json")
# bytes (gzip -9 of the source as it is; the server sends it compressed, minified or not). The one respondent
# script (repeats, logic, drafts and retries, location): what binds is the first view's budget of 30,000 bytes
# in 4 requests, checked in tests/surveys_public/test_first_view.py; this keeps the script's share in check
GZIP_LIMIT = 15 * 1024

e2e = pytest.mark.e2e


# ---------------------------------------------------------------------------------------------
# the browser: one per module, a fresh page per test


@pytest.fixture(scope="module")
def _browser(browser):
    """The suite's Chromium (tests/browser.py): one Playwright per test session."""
    return browser


@pytest.fixture
def js_page(_browser):
    """A blank page with survey-logic.js loaded, in a browser set to Tokyo's time zone."""
    context = _browser.new_context(timezone_id="Asia/Tokyo", locale="es-MX")
    context.set_default_timeout(10_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.set_content("<!doctype html><html lang='es'><head><title>t</title></head><body></body></html>")
    page.add_script_tag(path=str(SCRIPT))
    page.errors = errors
    yield page
    context.close()


# ---------------------------------------------------------------------------------------------
# values across the boundary: engine values <-> what the browser holds (NaN and infinities pass as such)


def to_js(value):
    if isinstance(value, datetime):
        return {"datetime": value.isoformat(timespec="milliseconds")}
    if isinstance(value, date):
        return {"date": value.isoformat()}
    return value


def from_js(value):
    if isinstance(value, bool) or isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, dict) and set(value) == {"date"}:
        return date.fromisoformat(value["date"])
    if isinstance(value, dict) and set(value) == {"datetime"}:
        return datetime.fromisoformat(value["datetime"])
    raise AssertionError(f"the browser gave a value the engine does not have: {value!r}")


def same(actual, expected) -> bool:
    """Equal values of the same type; datetimes written alike (same instant, same offset, milliseconds)."""
    if type(actual) is not type(expected):
        return False
    if isinstance(actual, float):
        return (math.isnan(actual) and math.isnan(expected)) or actual == expected
    if isinstance(actual, datetime):
        return actual.isoformat(timespec="milliseconds") == expected.isoformat(timespec="milliseconds")
    return actual == expected


EVALUATE_ALL = """([items]) => items.map(item => {
  const env = {
    value: n => n in item.values ? item.values[n] : '',
    current: () => item.current,
    column: n => n in item.columns ? item.columns[n] : '',
    now: () => item.now,
    choice_label: (q, c) => (item.choice_labels[q] || {})[c] || '',
    position: () => item.position,
    values: n => n in item.lists ? item.lists[n] : [env.value(n)],
    repeat_value: (n, r, i) => { const l = item.lists[n] || []; return i >= 1 && i <= l.length ? l[i - 1] : ''; },
  };
  try { return {value: VinculoLogic.evaluate(item.tree, env)}; } catch (e) { return {error: String(e)}; }
})"""


def js_item(tree, case: dict) -> dict:
    """A case (or generated example) as the browser's test environment, from the engine's values."""
    from tests.surveys_logic.env import NOW, CaseEnv

    env = CaseEnv(case)
    return {"tree": tree, "values": {k: to_js(v) for k, v in env.answers.items()}, "current": to_js(env.current_value),
            "columns": env.columns, "choice_labels": env.labels, "position": env.where, "now": case.get("now", NOW),
            "lists": {k: [to_js(v) for v in items] for k, items in env.lists.items()}}


def run_js(page, items: list[dict]) -> list:
    """The browser's value for each item (an engine value), or the text of the error the script raised."""
    results = page.evaluate(EVALUATE_ALL, [items])
    return [from_js(result["value"]) if "value" in result else f"error: {result['error']}" for result in results]


# ---------------------------------------------------------------------------------------------
# the shared cases


def load_cases() -> list[dict]:
    return json.loads(CASES_FILE.read_text(encoding="utf-8")) if CASES_FILE.exists() else []


@e2e
def test_every_shared_case_gives_the_same_value_in_the_browser(js_page):
    from tests.surveys_logic.env import decode

    cases = load_cases()
    assert len(cases) >= 100, f"{CASES_FILE} holds {len(cases)} cases"
    got = run_js(js_page, [js_item(case["tree"], case) for case in cases])
    wrong = [f"{case['src']!r}: expected {decode(case['expect'])!r}, the browser gave {value!r}"
             for case, value in zip(cases, got, strict=True) if not same(value, decode(case["expect"]))]
    assert not wrong, f"{len(wrong)} of {len(cases)} cases differ:\n" + "\n".join(wrong)
    assert not js_page.errors


# ---------------------------------------------------------------------------------------------
# random trees: the browser and surveys.logic.evaluate agree

# Left out: uuid() and random() (random), position(..), indexed-repeat() and jr:choice-name() (shapes the
# compiler fixes, covered by the cases), and the functions whose last bit may differ between V8's math
# library and C's (exp, log, pow, the trigonometric ones: the cases check them with a tolerance-free value).
RANDOM_FUNCTIONS = ("uuid", "random", "position", "indexed-repeat", "jr:choice-name", "exp", "exp10", "log",
                    "log10", "pow", "sin", "cos", "tan", "asin", "acos", "atan", "atan2")
NAMES = ("a", "b", "c", "z")  # z is never answered
OPERATORS = ("or", "and", "=", "!=", "<", "<=", ">", ">=", "+", "-", "*", "div", "mod")


def _strategies():
    from datetime import timedelta, timezone
    from zoneinfo import ZoneInfo

    from hypothesis import strategies as st

    from surveys.logic.functions import FUNCTIONS, NODESET_FUNCTIONS

    zones = st.sampled_from([UTC, timezone(timedelta(hours=-6)), timezone(timedelta(hours=5, minutes=30)),
                             ZoneInfo("America/Mexico_City")])
    moments = st.builds(lambda moment, ms: moment.replace(microsecond=ms * 1000),
                        st.datetimes(min_value=datetime(1970, 1, 2), max_value=datetime(2100, 1, 1), timezones=zones),
                        st.integers(0, 999))
    texts = st.one_of(
        st.text(alphabet=" \t-.:+0123456789TZeab", max_size=14),
        st.from_regex(r"\A ?-?[0-9]{0,3}\.?[0-9]{0,3} ?\Z"),
        st.from_regex(r"\A[0-9]{4}-[0-1][0-9]-[0-3][0-9]( [0-2][0-9]:[0-5][0-9](:[0-5][0-9](\.[0-9]{1,4})?)?)?\Z"),
        st.dates(min_value=date(1900, 1, 1)).map(date.isoformat), moments.map(datetime.isoformat),
        st.from_regex(r"\A[0-2][0-9]:[0-5][0-9](:[0-6][0-9](\.[0-9]{1,3})?)?(Z|[+-]0[0-9]:00)?\Z"),
        st.text(max_size=6), st.sampled_from(["a b", "a  c ", "true", "1", "%Y-%m-%d %H:%M %b %a %3 %%", "b"]))
    numbers = st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(-1000, 1000).map(float),
                        st.sampled_from([0.5, -0.5, 2.5, 1.005, 1e21, 1e-7, -0.0, 1e16, 123456789.125]))
    values = st.one_of(texts, numbers, st.booleans(), st.dates(min_value=date(1900, 1, 1),
                                                              max_value=date(2100, 1, 1)), moments)
    leaves = st.one_of(
        st.builds(lambda n: ["num", n], st.one_of(st.floats(0, 1e6), st.sampled_from([0.0, 1.0, 2.0, 0.5, 20000.0]))),
        st.builds(lambda t: ["str", t], texts), st.sampled_from([["ref", n] for n in NAMES]), st.just(["cur"]))
    usable = sorted(name for name in FUNCTIONS if name not in RANDOM_FUNCTIONS)

    def extend(children):
        def call(name):
            low, high = FUNCTIONS[name]
            if name in NODESET_FUNCTIONS:
                return st.sampled_from([["fn", name, ["ref", n]] for n in NAMES])
            count = st.integers(low, min(high if high is not None else low + 3, low + 3))
            return count.flatmap(lambda k: st.lists(children, min_size=k, max_size=k).map(lambda a: ["fn", name, *a]))

        return st.one_of(st.builds(lambda o, a, b: ["op", o, a, b], st.sampled_from(OPERATORS), children, children),
                         st.builds(lambda a: ["neg", a], children), st.sampled_from(usable).flatmap(call))

    trees = st.recursive(leaves, extend, max_leaves=6)
    cases = st.fixed_dictionaries({"values": st.fixed_dictionaries({n: values for n in NAMES[:3]}),
                                   "current": values, "now": moments.map(datetime.isoformat)})
    return trees, cases


@pytest.fixture(scope="module")
def shared_page(_browser):
    context = _browser.new_context(timezone_id="Asia/Tokyo")
    page = context.new_page()
    page.set_content("<!doctype html><title>t</title>")
    page.add_script_tag(path=str(SCRIPT))
    yield page
    context.close()


@e2e
def test_random_trees_give_the_same_value_in_the_browser_and_on_the_server(shared_page):
    from hypothesis import given, settings

    from surveys.logic.evaluate import evaluate
    from tests.surveys_logic.env import CaseEnv, encode

    trees, cases = _strategies()

    @settings(max_examples=500, deadline=None, database=None)
    @given(trees, cases)
    def agree(tree, raw):
        case = {"values": {k: encode(v) for k, v in raw["values"].items()}, "current": encode(raw["current"]),
                "now": raw["now"]}
        expected = evaluate(tree, CaseEnv(case))
        (got,) = run_js(shared_page, [js_item(tree, case)])
        assert same(got, expected), f"{tree} with {case}: the server gives {expected!r}, the browser {got!r}"

    agree()


# ---------------------------------------------------------------------------------------------
# the page wiring, on a hand-made page in the shape the respondent page uses

LOGIC = {
    "questions": {
        "edad": {"type": "integer", "group": None, "relevant": None, "required": True,
                 "constraint": ["op", "<", ["cur"], ["num", 120.0]], "calculation": None,
                 "choice_filter": None, "read_only": False,
                 "messages": {"constraint": "Escriba una edad menor de 120 años.", "required": None}},
        "mayor": {"type": "select_one", "group": None, "relevant": ["op", ">=", ["ref", "edad"], ["num", 18.0]],
                  "required": False, "constraint": None, "calculation": None, "choice_filter": None,
                  "read_only": False, "messages": {},
                  "choices": [{"name": "si", "label": "Sí", "extra": {}}, {"name": "no", "label": "No", "extra": {}}]},
        "vota": {"type": "text", "group": "g_voto", "relevant": None, "required": True, "constraint": None,
                 "calculation": None, "choice_filter": None, "read_only": False,
                 "messages": {"required": "Indique dónde vota."}},
        "estado": {"type": "select_one", "group": None, "relevant": None, "required": False, "constraint": None,
                   "calculation": None, "choice_filter": None, "read_only": False, "messages": {},
                   "choices": [{"name": "cdmx", "label": "Ciudad de México", "extra": {}},
                               {"name": "jal", "label": "Jalisco", "extra": {}}]},
        "ciudad": {"type": "select_one", "group": None, "relevant": None, "required": False, "constraint": None,
                   "calculation": None, "read_only": False, "messages": {},
                   "choice_filter": ["op", "=", ["col", "estado"], ["ref", "estado"]],
                   "choices": [{"name": "coyoacan", "label": "Coyoacán", "extra": {"estado": "cdmx"}},
                               {"name": "gdl", "label": "Guadalajara", "extra": {"estado": "jal"}},
                               {"name": "zapopan", "label": "Zapopan", "extra": {"estado": "jal"}}]},
        "doble": {"type": "calculate", "group": None, "relevant": None, "required": False, "constraint": None,
                  "calculation": ["op", "*", ["ref", "edad"], ["num", 2.0]], "choice_filter": None,
                  "read_only": False, "messages": {}},
        "nombre": {"type": "text", "group": None, "relevant": None, "required": False, "constraint": None,
                   "calculation": None, "choice_filter": None, "read_only": False, "messages": {}},
    },
    "groups": {"g_voto": {"relevant": ["fn", "selected", ["ref", "mayor"], ["str", "si"]], "parent": None}},
    "messages": {"required": "Esta pregunta es obligatoria.", "constraint": "La respuesta no es válida."},
}


def radios(name: str, choices: list[tuple[str, str]]) -> str:
    return "".join(f'<div class="form-check" data-choice><input type="radio" name="q_{name}" id="{name}-{value}" '
                   f'value="{value}"><label for="{name}-{value}">{label}</label></div>' for value, label in choices)


def error_box(name: str) -> str:
    return (f'<div id="{name}-error" data-error-for="{name}" hidden><span class="visually-hidden">Error: </span>'
            f'<span data-error-text></span></div>')


PAGE = f"""<!doctype html><html lang="es"><head><title>Prueba</title>
<script type="application/json" id="survey-logic">{json.dumps(LOGIC)}</script></head><body>
<form id="f" method="post" action="/enviar">
 <div data-question="edad"><label for="edad">Edad</label>{error_box("edad")}
  <input id="edad" name="q_edad" type="text" inputmode="numeric" aria-describedby="edad-error"></div>
 <fieldset data-question="mayor"><legend>¿Es mayor de edad?</legend>{radios("mayor", [("si", "Sí"), ("no", "No")])}
 </fieldset>
 <section data-group="g_voto"><h2>Voto</h2>
  <div data-question="vota"><label for="vota">¿Dónde vota?</label>{error_box("vota")}
   <input id="vota" name="q_vota" type="text"></div>
 </section>
 <fieldset data-question="estado"><legend>Estado</legend>
  {radios("estado", [("cdmx", "Ciudad de México"), ("jal", "Jalisco")])}</fieldset>
 <fieldset data-question="ciudad"><legend>Ciudad</legend>
  {radios("ciudad", [("coyoacan", "Coyoacán"), ("gdl", "Guadalajara"), ("zapopan", "Zapopan")])}</fieldset>
 <div data-question="doble"><input type="hidden" name="q_doble">
  <p id="doble-texto" data-label-template="El doble de su edad es ${{doble}}.">El doble de su edad es .</p></div>
 <div data-question="nombre"><label for="nombre">Nombre</label><input id="nombre" name="q_nombre" type="text"></div>
 <p id="saludo" data-label-template="Gracias, ${{nombre}}. Usted vive en ${{ciudad}}.">Gracias, . Usted vive en .</p>
 <button type="submit">Enviar</button>
</form></body></html>"""

SUBMITTED = "() => [...new FormData(document.getElementById('f')).keys()]"


@pytest.fixture
def logic_page(_browser):
    context = _browser.new_context(timezone_id="Asia/Tokyo", locale="es-MX")
    context.set_default_timeout(10_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.set_content(PAGE)
    page.add_script_tag(path=str(SCRIPT))
    page.errors = errors
    yield page
    context.close()


@e2e
def test_relevance_hides_questions_and_groups_and_keeps_them_out_of_the_submission(logic_page):
    from playwright.sync_api import expect

    page = logic_page
    mayor, group = page.locator("[data-question=mayor]"), page.locator("[data-group=g_voto]")
    expect(mayor).to_be_hidden()
    expect(group).to_be_hidden()
    assert "q_mayor" not in page.evaluate(SUBMITTED) and "q_vota" not in page.evaluate(SUBMITTED)
    page.fill("#edad", "30")
    expect(mayor).to_be_visible()
    expect(group).to_be_hidden()  # relevant only when «Sí» is chosen
    page.check("#mayor-si")
    expect(group).to_be_visible()
    page.fill("#vota", "Coyoacán")
    assert {"q_mayor", "q_vota"} <= set(page.evaluate(SUBMITTED))
    page.fill("#edad", "15")  # «mayor» is no longer relevant, so neither is the group that depends on it
    expect(mayor).to_be_hidden()
    expect(group).to_be_hidden()
    assert not {"q_mayor", "q_vota"} & set(page.evaluate(SUBMITTED))
    page.fill("#edad", "40")  # back: the answers the person gave are still there
    expect(group).to_be_visible()
    expect(page.locator("#mayor-si")).to_be_checked()
    expect(page.locator("#vota")).to_have_value("Coyoacán")
    assert not page.errors


@e2e
def test_a_choice_filter_narrows_the_choices_and_unchecks_an_excluded_one(logic_page):
    from playwright.sync_api import expect

    page = logic_page
    city = {name: page.locator(f"#ciudad-{name}") for name in ("coyoacan", "gdl", "zapopan")}
    for choice in city.values():  # no state chosen: `estado = ''` keeps no city
        expect(choice).to_be_hidden()
    page.check("#estado-cdmx")
    expect(city["coyoacan"]).to_be_visible()
    expect(city["gdl"]).to_be_hidden()
    page.check("#ciudad-coyoacan")
    page.check("#estado-jal")
    expect(city["coyoacan"]).to_be_hidden()
    expect(city["coyoacan"]).not_to_be_checked()
    expect(city["gdl"]).to_be_visible()
    expect(city["zapopan"]).to_be_visible()
    assert "q_ciudad" not in page.evaluate(SUBMITTED)
    assert not page.errors


@e2e
def test_constraint_and_required_messages_show_on_leaving_the_question(logic_page):
    from playwright.sync_api import expect

    page = logic_page
    box, field = page.locator("[data-error-for=edad]"), page.locator("#edad")
    expect(box).to_be_hidden()
    page.fill("#edad", "150")
    expect(box).to_be_hidden()  # not while the person is still typing a first answer
    page.locator("#nombre").focus()
    expect(box).to_be_visible()
    expect(box).to_have_text("Error: Escriba una edad menor de 120 años.")
    expect(field).to_have_attribute("aria-invalid", "true")
    page.fill("#edad", "")
    expect(box).to_have_text("Error: Esta pregunta es obligatoria.")  # the page's default message
    page.fill("#edad", "45")
    expect(box).to_be_hidden()
    expect(field).not_to_have_attribute("aria-invalid", "true")
    page.check("#mayor-si")
    page.locator("#vota").focus()
    page.locator("#nombre").focus()
    expect(page.locator("[data-error-for=vota]")).to_have_text("Error: Indique dónde vota.")
    page.fill("#edad", "150")  # a wrong answer never blocks the submission: the server decides
    page.evaluate("""() => window.addEventListener('submit', event => {
        window.sent = !event.defaultPrevented; event.preventDefault(); })""")
    page.click("button[type=submit]")
    assert page.evaluate("() => window.sent") is True
    assert not page.errors


@e2e
def test_calculations_and_references_in_labels_follow_the_answers(logic_page):
    from playwright.sync_api import expect

    page = logic_page
    expect(page.locator("#doble-texto")).to_have_text("El doble de su edad es .")
    page.fill("#edad", "21")
    expect(page.locator("#doble-texto")).to_have_text("El doble de su edad es 42.")
    expect(page.locator("input[name=q_doble]")).to_have_value("42")
    page.fill("#nombre", "Ana")
    page.check("#estado-jal")
    page.check("#ciudad-zapopan")
    expect(page.locator("#saludo")).to_have_text("Gracias, Ana. Usted vive en Zapopan.")  # a choice's label
    page.fill("#edad", "")
    expect(page.locator("#doble-texto")).to_have_text("El doble de su edad es .")  # NaN: no value
    assert not page.errors


# ---------------------------------------------------------------------------------------------
# served like every static file, and small


def test_the_script_is_served_under_a_fingerprinted_year_long_url(app):
    from flask import url_for

    from crm.app.assets import fingerprint

    with app.test_request_context():
        url = url_for("static", filename="survey-logic.js")
    assert url.endswith("?v=" + fingerprint(SCRIPT.read_bytes()))
    response = app.test_client().get(url)
    assert response.status_code == 200
    assert "javascript" in response.content_type
    assert response.cache_control.max_age == 31_536_000 and response.cache_control.immutable


def test_the_script_stays_small():
    size = len(gzip.compress(SCRIPT.read_bytes(), 9))
    assert size < GZIP_LIMIT, f"survey-logic.js is {size} bytes compressed"
