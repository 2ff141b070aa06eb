"""Save and continue (issue 14): a personal link keeps a partly answered form on the server (unchecked, no
response stored) and shows it again; the draft goes when the response is stored, after CRM_RETAIN_DRAFTS_DAYS
and when the person is anonymised; open links and anonymous surveys keep none on the server (their draft stays
in the browser: crm/static/survey-logic.js, tested in tests/e2e/test_survey_drafts.py)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select, update

from crm.contacts.privacy import rights
from crm.core.extensions import db
from crm.core.timeutil import utcnow
from crm.operations import retention
from surveys.models import Invitation, Response, ResponseDraft
from surveys.respond.drafts import clean_values
from tests.factories import make_person, make_survey
from tests.surveys_public.helpers import Page, invite

PARTIAL = {"q_calidad": "regular", "q_temas": ["voto", "observacion"], "q_edad": "treinta",  # not a number
           "q_comentarios": ""}  # required, left empty


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def drafts() -> list[ResponseDraft]:
    db.session.expire_all()
    return list(db.session.scalars(select(ResponseDraft)))


def page_form(client, token: str) -> tuple[Page, dict]:
    page = Page(client.get(f"/r/{token}").get_data(as_text=True))
    return page, {"csrf_token": page.hidden("csrf_token"), "_clave": page.hidden("_clave"), "_lang": "es"}


def save(client, token: str, answers: dict, how: str = "1"):
    _page, form = page_form(client, token)
    return client.post(f"/r/{token}", data={**form, **answers, "_guardar": how})


def test_saving_keeps_what_was_typed_unchecked_and_stores_no_response(client, rich_survey):
    invitation = invite(rich_survey, make_person())
    page, _form = page_form(client, invitation.token)
    assert any(f.get("name") == "_guardar" for f in page.inputs) or 'name="_guardar"' in page.html
    response = save(client, invitation.token, PARTIAL)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Sus respuestas quedaron guardadas el" in html and "Revise sus respuestas" not in html
    assert count(Response) == 0
    [draft] = drafts()
    assert draft.invitation_id == invitation.id and draft.language == "es"
    assert draft.answers == {"q_calidad": "regular", "q_temas": ["voto", "observacion"], "q_edad": "treinta"}
    db.session.refresh(invitation)
    assert invitation.answered_at is None and invitation.status != "answered"  # the link is not used up


def test_opening_the_link_again_shows_the_saved_answers_with_a_note(client, rich_survey):
    invitation = invite(rich_survey, make_person())
    save(client, invitation.token, PARTIAL)
    page = Page(client.get(f"/r/{invitation.token}").get_data(as_text=True))
    assert "Se recuperaron sus respuestas guardadas el" in page.html
    assert page.checked("q_calidad") == ["regular"]
    assert sorted(page.checked("q_temas")) == ["observacion", "voto"]
    assert page.value("q_edad") == "treinta"
    # a later save replaces the earlier one: one draft per invitation
    assert save(client, invitation.token, {"q_calidad": "mala"}, how="auto").status_code == 204
    [draft] = drafts()
    assert draft.answers == {"q_calidad": "mala"}


def test_the_script_saves_with_the_form_token_and_gets_no_content(app_with):
    with app_with(WTF_CSRF_ENABLED=True) as app:
        survey = make_survey(state="open")
        invitation = invite(survey, make_person())
        client = app.test_client()
        _page, form = page_form(client, invitation.token)
        answers = {"q_opinion": "A medias", "_guardar": "auto"}
        assert client.post(f"/r/{invitation.token}", data={**form, **answers}).status_code == 204
        forged = {**form, **answers, "csrf_token": "no-es-un-token"}
        assert client.post(f"/r/{invitation.token}", data=forged).status_code == 403
        assert [d.answers for d in drafts()] == [{"q_opinion": "A medias"}]
        # the button without a valid token: the answers come back with the security message, nothing saved
        back = client.post(f"/r/{invitation.token}", data={**forged, "_guardar": "1", "q_opinion": "Otra"})
        assert back.status_code == 422 and Page(back.get_data(as_text=True)).value("q_opinion") == "Otra"
        assert [d.answers for d in drafts()] == [{"q_opinion": "A medias"}]


def test_the_draft_is_deleted_when_the_response_is_stored(client, rich_survey):
    invitation = invite(rich_survey, make_person())
    save(client, invitation.token, PARTIAL)
    assert len(drafts()) == 1
    _page, form = page_form(client, invitation.token)
    done = client.post(f"/r/{invitation.token}", data={**form, "q_calidad": "buena", "q_comentarios": "Bien"})
    assert done.status_code == 303
    assert count(Response) == 1 and drafts() == []
    # the page's script saving once more after the response (leaving the page): nothing is kept
    again = client.post(f"/r/{invitation.token}", data={**form, "q_calidad": "buena", "_guardar": "auto"})
    assert again.status_code == 303 and again.headers["Location"].endswith("/gracias?lang=es")
    other_tab = save(client, invitation.token, {"q_calidad": "mala"})  # the link is used: nothing saved either
    assert "Esta encuesta ya fue respondida" in other_tab.get_data(as_text=True)
    assert drafts() == []


def test_open_links_and_anonymous_surveys_keep_no_server_draft(client, survey):
    page = Page(client.get(f"/r/{survey.open_token}").get_data(as_text=True))
    assert 'name="_guardar"' not in page.html
    assert f'data-mode="browser" data-key="{survey.open_token}"' in page.html
    response = client.post(f"/r/{survey.open_token}", data={"_clave": page.hidden("_clave"), "_lang": "es",
                                                              "q_calidad": "buena", "_guardar": "1"})
    assert response.status_code == 200  # never a submission either
    assert count(Response) == 0 and count(ResponseDraft) == 0
    anonymous = make_survey(state="open", anonymous=True)
    invitation = invite(anonymous, make_person())
    page = Page(client.get(f"/r/{invitation.token}").get_data(as_text=True))
    assert 'name="_guardar"' not in page.html and 'data-mode="browser"' in page.html
    assert save(client, invitation.token, {"q_calidad": "buena"}, how="auto").status_code == 409
    assert count(Response) == 0 and count(ResponseDraft) == 0


def test_every_form_loads_the_script_and_a_personal_link_says_files_are_not_saved(client, survey):
    invitation = invite(survey, make_person())
    page = Page(client.get(f"/r/{invitation.token}").get_data(as_text=True))
    assert 'data-mode="server"' in page.html and "/static/survey-logic.js?v=" in page.html
    assert "Sin conexión: reintentando…" in page.html  # the script's status text, in the page's language
    with_file = make_survey(state="open", questions=[
        {"name": "foto", "type": "image", "labels": {"es": "Foto"}},
        {"name": "opinion", "type": "text", "labels": {"es": "Opinión"}}])
    invitation = invite(with_file, make_person())
    html = client.get(f"/r/{invitation.token}").get_data(as_text=True)
    assert "Los archivos adjuntos no se guardan" in html


def test_values_kept_are_bounded_and_clean():
    kept = clean_values({"q_a": "  ", "q_b": "x" * 10_000, "q_c": ["a", "a", "", 3, "b"], "q_d": [], "q_e": None})
    assert set(kept) == {"q_b", "q_c"} and len(kept["q_b"]) < 10_000 and kept["q_c"] == ["a", "b"]


def test_retention_deletes_drafts_not_saved_for_the_period(app, client, survey):
    app.config["CRM_RETAIN_DRAFTS_DAYS"] = "30"
    old, recent = invite(survey, make_person()), invite(survey, make_person())
    save(client, old.token, {"q_opinion": "Vieja"}, how="auto")
    save(client, recent.token, {"q_opinion": "Reciente"}, how="auto")
    db.session.execute(update(ResponseDraft).where(ResponseDraft.invitation_id == old.id)
                       .values(updated_at=utcnow() - timedelta(days=31)))
    db.session.commit()
    plan = retention.apply(dry_run=True)
    assert plan.counts()["borradores"] == 1 and len(drafts()) == 2
    retention.apply(dry_run=False)
    assert [d.invitation_id for d in drafts()] == [recent.id]
    assert retention.periods()["borradores"] == 30 and retention.notice_periods()["borradores"] == 30


def test_anonymising_the_person_removes_the_draft(client, survey):
    person, other = make_person(), make_person()
    mine, theirs = invite(survey, person), invite(survey, other)
    mine_id, theirs_id = mine.id, theirs.id
    save(client, mine.token, {"q_opinion": "Mía"}, how="auto")
    save(client, theirs.token, {"q_opinion": "Suya"}, how="auto")
    rights.block(person, actor="prueba")
    rights.anonymize(person, actor="prueba")
    db.session.commit()
    assert [d.invitation_id for d in drafts()] == [theirs_id]
    assert db.session.get(Invitation, mine_id) is None
