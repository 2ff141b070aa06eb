"""Open-link stuffing (issue 12, finding 11): a script stored 200 open-link responses in 2.3 s and moved the
satisfaction indicator.

The attacker's view: a script that keeps its cookies answers once; one that drops them, or never opens the
form, is held to the survey's per-address limit; what gets through (a survey with the limit off, or many
addresses' worth) shows up as a burst on the survey page, and staff exclude it from the indicator, audited,
with the responses kept. Each test fails on the code before the fix (every POST was stored; there was no
burst list and no exclusion).
"""

from __future__ import annotations

from sqlalchemy import func, select

from crm.core.audit import AuditEntry
from crm.core.extensions import db
from crm.core.timeutil import to_local, utcnow
from crm.indicators.compute import satisfaction_counts
from surveys.models import Response
from surveys.responses import summaries
from tests.factories import make_survey

ATTACKER = "203.0.113.66"


def _stored(survey_id: int) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count(Response.id)).where(Response.survey_id == survey_id))


def _post(client, token: str, choice: str, address: str = ATTACKER):
    return client.post(f"/r/{token}", data={"_lang": "es", "q_calidad": choice},
                       environ_base={"REMOTE_ADDR": address})


def test_a_script_keeping_its_cookies_answers_once(app):
    survey = make_survey(state="open")  # the limit is on by default for open links
    script = app.test_client()
    assert script.get(f"/r/{survey.open_token}", environ_base={"REMOTE_ADDR": ATTACKER}).status_code == 200
    statuses = [_post(script, survey.open_token, "mala").status_code for _ in range(40)]
    assert statuses[0] == 303 and set(statuses[1:]) == {200}, statuses
    assert _stored(survey.id) == 1
    page = script.get(f"/r/{survey.open_token}", environ_base={"REMOTE_ADDR": ATTACKER})
    assert "Ya se registró una respuesta desde este navegador" in page.get_data(as_text=True)
    assert 'name="_clave"' not in page.get_data(as_text=True)  # no form to fill in again


def test_a_script_dropping_its_cookies_is_held_to_the_address_limit(app):
    survey = make_survey(state="open", open_link_per_address_hour=25)
    statuses = [_post(app.test_client(), survey.open_token, "mala").status_code for _ in range(60)]
    assert statuses[:25] == [303] * 25 and set(statuses[25:]) == {429}, statuses
    assert _stored(survey.id) == 25
    refused = _post(app.test_client(), survey.open_token, "mala")
    assert "Por ahora no podemos recibir más respuestas desde su conexión" in refused.get_data(as_text=True)
    # someone else, elsewhere, still answers
    assert _post(app.test_client(), survey.open_token, "buena", address="198.51.100.7").status_code == 303


def _satisfaction(survey) -> tuple[int, int]:
    counts = satisfaction_counts(survey.year, ("AI3",))
    return (sum(c.numerator for c in counts.values()), sum(c.denominator for c in counts.values()))


def test_a_burst_is_flagged_and_excluding_it_restores_the_indicator_audited(app, client, login_as):
    year = to_local(utcnow()).year
    survey = make_survey(state="open", component_code="AI3", year=year, open_link_limited=False)
    for n in range(6):  # honest respondents, each from an address of their own
        assert _post(app.test_client(), survey.open_token, "buena", address=f"198.51.100.{n + 1}").status_code == 303
    assert _satisfaction(survey) == (6, 6)
    for _ in range(200):  # the script: 200 negative answers in a few seconds from one address
        assert _post(app.test_client(), survey.open_token, "mala").status_code == 303
    assert _satisfaction(survey) == (6, 206)  # the indicator moved from 100 % to 2.9 %

    staff = login_as("staff")
    page = client.get(f"/encuestas/{survey.id}").get_data(as_text=True)
    assert "Ráfagas de respuestas" in page and "Conexión 1" in page and ">200<" in page
    assert "Excluir de los indicadores" in page
    from surveys.responses.bursts import find_bursts

    [burst] = find_bursts(survey)
    assert burst.count == 200 and burst.share == round(100 * 200 / 206, 1)

    excluded = client.post(f"/encuestas/{survey.id}/rafagas", data={"rafaga": burst.ref, "accion": "excluir"})
    assert excluded.status_code == 302
    assert _satisfaction(survey) == (6, 6)  # the indicator is back
    assert _stored(survey.id) == 206  # nothing deleted
    assert summaries.summarize(survey)[0] == 6
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "surveys.exclude_responses")).one()
    assert entry.actor_id == staff.id and entry.details["changed"] == 200 and entry.details["burst"] == burst.ref
    assert "excluida" in client.get(f"/encuestas/{survey.id}").get_data(as_text=True)

    # a reviewer may include it again; that is audited too
    client.post(f"/encuestas/{survey.id}/rafagas", data={"rafaga": burst.ref, "accion": "incluir"})
    assert _satisfaction(survey) == (6, 206)
    assert db.session.scalar(select(func.count(AuditEntry.id))
                             .where(AuditEntry.action == "surveys.include_responses")) == 1


def test_a_reader_cannot_exclude_responses(app, client, login_as):
    survey = make_survey(state="open", open_link_limited=False)
    for _ in range(25):
        _post(app.test_client(), survey.open_token, "mala")
    login_as("viewer")
    from surveys.responses.bursts import find_bursts

    [burst] = find_bursts(survey)
    response = client.post(f"/encuestas/{survey.id}/rafagas", data={"rafaga": burst.ref, "accion": "excluir"})
    assert response.status_code == 403
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Response.id)).where(Response.excluded.is_(True))) == 0
