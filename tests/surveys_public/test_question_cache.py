"""The per-worker cache of question definitions (surveys.respond.questions), the questions_version bump
that keeps it right (surveys.versioning), and what a submission costs in statements.

Every edit made through the builder's services is seen by the very next respondent request; the cache never
answers for another survey; the version goes up exactly once per flush that writes questions or choices.
"""

import pytest
from sqlalchemy import event, func, select

from crm.core.extensions import db
from surveys.builder.base import ChoiceData, QuestionData
from surveys.builder.questions import add_question, delete_question, move_question, update_question
from surveys.models import Choice, Question, Response, Survey
from surveys.respond.questions import QuestionCache, Questions, question_cache
from surveys.respond.submission import find_target
from tests.factories import make_survey
from tests.surveys_public.helpers import Page, answer


def version(survey_id: int) -> int:
    return db.session.scalar(select(Survey.questions_version).where(Survey.id == survey_id))


def count_responses() -> int:
    return db.session.scalar(select(func.count(Response.id)))


def form_page(client, survey, lang="es") -> Page:
    response = client.get(f"/r/{survey.open_token}?lang={lang}")
    assert response.status_code == 200
    return Page(response.get_data(as_text=True))


def question(survey, name) -> Question:
    return db.session.scalar(select(Question).where(Question.survey_id == survey.id, Question.name == name))


def single_data(q: Question, *, labels=None, required=None, choices=None) -> QuestionData:
    """What the builder's edit form posts for an existing select_one question."""
    rows = choices if choices is not None else [
        ChoiceData(name=c.name, labels=dict(c.labels), positive=c.positive, id=c.id) for c in q.choices]
    return QuestionData(kind="single", labels=labels or dict(q.labels), name=q.name,
                        required=q.required if required is None else required, indicator=q.indicator, choices=rows)


# --- every builder edit is seen by the next respondent request ------------------------------------------


def test_an_edited_label_is_shown_by_the_next_request(client, survey):
    page = form_page(client, survey)
    assert page.legends[0].startswith("¿Cómo califica la sesión?")
    before = version(survey.id)
    calidad = question(survey, "calidad")
    update_question(calidad, single_data(calidad, labels={"es": "¿Qué le pareció la sesión?",
                                                                  "en": "What did you think of the session?"}))
    assert version(survey.id) > before
    assert form_page(client, survey).legends[0].startswith("¿Qué le pareció la sesión?")
    assert form_page(client, survey, "en").legends[0].startswith("What did you think of the session?")


def test_an_added_question_is_shown_and_checked_by_the_next_request(client, survey):
    form_page(client, survey)
    add_question(survey, QuestionData(kind="integer", labels={"es": "Edad", "en": "Age"}, name="edad",
                                              required=True))
    page = form_page(client, survey)
    assert any(field.get("name") == "q_edad" for field in page.fields())
    refused = answer(client, survey.open_token, {"q_calidad": "buena"})
    assert refused.status_code == 422  # the new question is required
    assert answer(client, survey.open_token, {"q_calidad": "buena", "q_edad": "41"}).status_code == 303


def test_an_added_choice_is_offered_and_accepted_by_the_next_request(client, survey):
    form_page(client, survey)
    assert answer(client, survey.open_token, {"q_calidad": "excelente"}).status_code == 422
    calidad = question(survey, "calidad")
    rows = [ChoiceData(name=c.name, labels=dict(c.labels), positive=c.positive, id=c.id) for c in calidad.choices]
    rows.append(ChoiceData(name="excelente", labels={"es": "Excelente", "en": "Excellent"}, positive=True))
    update_question(calidad, single_data(calidad, choices=rows))
    assert "excelente" in [f.get("value") for f in form_page(client, survey).fields() if f.get("name") == "q_calidad"]
    assert answer(client, survey.open_token, {"q_calidad": "excelente"}).status_code == 303


def test_a_removed_choice_is_gone_from_the_next_request(client, survey):
    form_page(client, survey)
    calidad = question(survey, "calidad")
    rows = [ChoiceData(name=c.name, labels=dict(c.labels), positive=c.positive, id=c.id)
            for c in calidad.choices if c.name != "mala"]
    update_question(calidad, single_data(calidad, choices=rows))
    offered = [f.get("value") for f in form_page(client, survey).fields() if f.get("name") == "q_calidad"]
    assert offered == ["buena", "regular"]
    assert answer(client, survey.open_token, {"q_calidad": "mala"}).status_code == 422


def test_a_change_of_required_is_applied_by_the_next_request(client, survey):
    assert answer(client, survey.open_token, {"q_opinion": "Bien"}).status_code == 422  # calidad is required
    calidad = question(survey, "calidad")
    update_question(calidad, single_data(calidad, required=False))
    assert answer(client, survey.open_token, {"q_opinion": "Bien"}).status_code == 303


def test_a_deleted_and_a_moved_question_are_seen_by_the_next_request(client, rich_survey):
    page = form_page(client, rich_survey)
    assert any(f.get("name") == "q_edad" for f in page.fields())
    delete_question(question(rich_survey, "edad"))
    assert not any(f.get("name") == "q_edad" for f in form_page(client, rich_survey).fields())
    first = [f.get("name") for f in form_page(client, rich_survey).fields()][0]
    assert first == "q_calidad"
    move_question(question(rich_survey, "temas"), "up")
    assert [f.get("name") for f in form_page(client, rich_survey).fields()][0] == "q_temas"


# --- the cache itself -------------------------------------------------------------------------------------


def test_questions_are_read_once_per_version(client, survey):
    survey.open_link_limited = False  # one test client answers three times (one browser)
    db.session.commit()
    cache = question_cache()
    cache.clear()
    form_page(client, survey)
    misses = cache.misses
    for _ in range(3):
        form_page(client, survey)
        assert answer(client, survey.open_token, {"q_calidad": "buena"}).status_code == 303
    assert cache.misses == misses  # every later request was answered from the cache
    calidad = question(survey, "calidad")
    update_question(calidad, single_data(calidad, labels={"es": "Otra", "en": "Other"}))
    form_page(client, survey)
    assert cache.misses == misses + 1


def test_the_cache_never_answers_for_another_survey(client):
    first = make_survey(state="open", questions=[
        {"name": "uno", "type": "text", "labels": {"es": "Pregunta de la primera"}}])
    second = make_survey(state="open", questions=[
        {"name": "dos", "type": "text", "labels": {"es": "Pregunta de la segunda"}}])
    assert version(first.id) == version(second.id)  # same version: only the survey tells them apart
    for _ in range(2):
        assert form_page(client, first).label_of("p0") == "Pregunta de la primera"
        assert form_page(client, second).label_of("p0") == "Pregunta de la segunda"
    assert answer(client, first.open_token, {"q_dos": "x"}).status_code == 303
    stored = db.session.scalars(select(Response)).one()
    assert stored.survey_id == first.id and stored.answers == []  # q_dos is not a question of the first


def test_a_new_survey_with_a_deleted_surveys_id_gets_its_own_questions(client):
    old = make_survey(state="open", questions=[{"name": "vieja", "type": "text", "labels": {"es": "Vieja"}}])
    assert form_page(client, old).label_of("p0") == "Vieja"
    old_id = old.id
    db.session.delete(old)
    db.session.commit()
    # SQLite gives a new row the highest rowid + 1, so a deleted newest survey's id comes back (with version 1)
    new = make_survey(id=old_id, state="open",
                      questions=[{"name": "nueva", "type": "text", "labels": {"es": "Nueva"}}])
    assert (new.id, version(new.id)) == (old_id, 1)
    assert form_page(client, new).label_of("p0") == "Nueva"


def test_the_cache_is_bounded_and_least_recently_used_first_out():
    cache = QuestionCache(size=2)
    a, b, c = (Questions(()) for _ in range(3))
    cache.put(("a", 1, ""), a)
    cache.put(("b", 1, ""), b)
    assert cache.get(("a", 1, "")) is a  # a is now the most recent
    cache.put(("c", 1, ""), c)
    assert len(cache) == 2
    assert cache.get(("b", 1, "")) is None and cache.get(("a", 1, "")) is a and cache.get(("c", 1, "")) is c


def test_cached_questions_cannot_be_changed(app, survey):
    target = find_target(survey.open_token)
    questions = target.questions
    assert isinstance(questions, Questions)
    with pytest.raises(AttributeError):
        questions[0].labels = {}  # frozen: one request cannot change what the next one sees
    assert isinstance(questions[0].choices, tuple)


# --- questions_version: once per flush --------------------------------------------------------------------


def test_the_version_goes_up_once_per_flush_whatever_the_flush_changes(app, rich_survey):
    start = version(rich_survey.id)
    calidad, temas = question(rich_survey, "calidad"), question(rich_survey, "temas")
    first_choice, _ = calidad.choices[0], list(temas.choices)  # loaded before any change (no autoflush)
    with db.session.no_autoflush:  # five changes, one flush
        calidad.labels = {"es": "Nueva etiqueta"}
        temas.required = True
        first_choice.labels = {"es": "Muy buena"}
        temas.choices.append(Choice(position=9, name="nuevo", labels={"es": "Nuevo"}))
        db.session.add(Question(survey_id=rich_survey.id, position=50, type="text", name="por_llave",
                                labels={"es": "Solo con survey_id"}))
    db.session.flush()
    assert version(rich_survey.id) == start + 1
    db.session.flush()  # nothing to write: no bump
    db.session.commit()
    assert version(rich_survey.id) == start + 1


@pytest.mark.parametrize("change", ["relationship_only", "survey_id_only", "label", "required", "choice_label",
                                    "choice_added", "choice_removed", "choice_deleted", "question_removed",
                                    "question_deleted"])
def test_each_kind_of_change_bumps_the_version(app, rich_survey, change):
    start = version(rich_survey.id)
    calidad, comentarios = question(rich_survey, "calidad"), question(rich_survey, "comentarios")
    list(calidad.choices), list(rich_survey.questions)  # noqa: B018  (loaded: no flush before the change)
    if change == "relationship_only":  # a new question with only its survey set, not survey_id
        rich_survey.questions.append(Question(position=60, type="text", name="nueva", labels={"es": "Nueva"}))
    elif change == "survey_id_only":
        db.session.add(Question(survey_id=rich_survey.id, position=60, type="text", name="nueva",
                                labels={"es": "Nueva"}))
    elif change == "label":
        calidad.labels = {**calidad.labels, "es": "Cambiada"}
    elif change == "required":
        calidad.required = False
    elif change == "choice_label":
        calidad.choices[1].labels = {"es": "Cambiada"}
    elif change == "choice_added":
        db.session.add(Choice(question_id=calidad.id, position=9, name="otra", labels={"es": "Otra"}))
    elif change == "choice_removed":  # delete-orphan: the choice is deleted by the flush itself
        calidad.choices.remove(calidad.choices[-1])
    elif change == "choice_deleted":
        db.session.delete(calidad.choices[-1])
    elif change == "question_removed":
        rich_survey.questions.remove(comentarios)
    else:
        db.session.delete(comentarios)
    db.session.commit()
    assert version(rich_survey.id) == start + 1
    assert version(rich_survey.id) == db.session.get(Survey, rich_survey.id).questions_version


def test_other_changes_do_not_bump_the_version(app, survey):
    start = version(survey.id)
    survey.state = "closed"
    survey.titles = {"es": "Otro título"}
    db.session.commit()
    calidad = question(survey, "calidad")
    calidad.labels = dict(calidad.labels)  # the same value: nothing to write
    db.session.commit()
    assert version(survey.id) == start


def test_new_and_deleted_surveys_are_left_alone(app):
    survey = make_survey(state="open")  # created with its questions in one flush
    assert version(survey.id) == 1
    survey_id = survey.id
    db.session.delete(survey)  # cascades to its questions and choices
    db.session.commit()
    assert db.session.get(Survey, survey_id) is None


def test_bump_for_core_writes(app, survey):
    from surveys.versioning import bump_questions_version

    start = version(survey.id)
    bump_questions_version(survey.id)
    db.session.commit()
    assert version(survey.id) == start + 1


# --- submissions: no look-up of the key before the insert, a repeat still ends on the thanks page ----------


def _statements(app):
    seen: list[str] = []

    def record(_conn, _cursor, statement, _parameters, _context, _executemany):
        seen.append(" ".join(statement.split()).upper())

    event.listen(db.engine, "before_cursor_execute", record)
    return seen, lambda: event.remove(db.engine, "before_cursor_execute", record)


@pytest.mark.parametrize("limited", [True, False])
def test_a_first_submission_is_one_select_and_two_inserts(app, client, rich_survey, limited):
    """Plus, with the survey's open-link limit on, one statement counting this browser's and this address's
    responses (two bounded index look-ups, surveys.respond.open_limits)."""
    rich_survey.open_link_limited = limited
    db.session.commit()
    page = form_page(client, rich_survey)  # the questions are cached from here on
    form = {"_clave": page.hidden("_clave"), "_lang": "es", "q_calidad": "buena", "q_temas": ["voto", "otro"],
            "q_edad": "30", "q_comentarios": "Bien"}
    url = f"/r/{rich_survey.open_token}"
    seen, stop = _statements(app)
    try:
        assert client.post(url, data=form).status_code == 303
    finally:
        stop()
    work = [s for s in seen if not s.startswith(("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE"))]
    assert len(work) == 3 + limited, "\n".join(w[:200] for w in work)
    assert work[0].startswith("SELECT") and "FROM SURVEY" in work[0]
    if limited:
        assert work[1].startswith("SELECT") and "RESPONSE.BROWSER_KEY" in work[1] and "RESPONSE.ADDRESS_KEY" in work[1]
        work.pop(1)
    assert work[1].startswith("INSERT INTO RESPONSE") and work[2].startswith("INSERT INTO ANSWER")
    assert db.session.scalar(select(func.count()).select_from(Response)) == 1


def test_a_repeat_after_the_questions_changed_still_thanks(client, survey):
    page = form_page(client, survey)
    form = {"_clave": page.hidden("_clave"), "_lang": "es", "q_calidad": "buena"}
    assert client.post(f"/r/{survey.open_token}", data=form).status_code == 303
    add_question(survey, QuestionData(kind="short_text", labels={"es": "Nueva obligatoria"}, name="nueva",
                                              required=True))
    again = client.post(f"/r/{survey.open_token}", data=form)  # would not validate any more
    assert again.status_code == 303 and again.headers["Location"].endswith("/gracias?lang=es")
    assert count_responses() == 1


def test_a_repeat_after_the_survey_closed_still_thanks(client, survey):
    page = form_page(client, survey)
    form = {"_clave": page.hidden("_clave"), "_lang": "es", "q_calidad": "buena"}
    assert client.post(f"/r/{survey.open_token}", data=form).status_code == 303
    survey.state = "closed"
    db.session.commit()
    assert client.post(f"/r/{survey.open_token}", data=form).status_code == 303
    assert count_responses() == 1


def test_a_repeat_with_an_expired_csrf_token_still_thanks(app_with):
    with app_with(WTF_CSRF_ENABLED=True) as app:
        survey = make_survey(state="open")
        client = app.test_client()
        page = Page(client.get(f"/r/{survey.open_token}").get_data(as_text=True))
        form = {"csrf_token": page.hidden("csrf_token"), "_clave": page.hidden("_clave"), "_lang": "es",
                "q_calidad": "buena"}
        assert client.post(f"/r/{survey.open_token}", data=form).status_code == 303
        other_browser = app.test_client()  # no session: its CSRF token cannot be valid
        assert other_browser.post(f"/r/{survey.open_token}", data=form).status_code == 303
        assert count_responses() == 1
