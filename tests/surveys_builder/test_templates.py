"""Ready-made templates: valid, bilingual, with indicator questions, and they round-trip through XLSForm."""

import pytest
from pyxform.xls2xform import convert

from surveys import services
from surveys.builder.templates import TEMPLATES, create_from_template
from surveys.xlsform.reader import read_xlsform
from surveys.xlsform.writer import xlsform_bytes


@pytest.mark.parametrize("key", list(TEMPLATES))
def test_template_definition_round_trips_and_pyxform_accepts_it(key, tmp_path):
    definition = TEMPLATES[key].build()
    data = xlsform_bytes(definition)
    result = read_xlsform(data)
    assert result.definition == definition
    assert result.warnings == []
    path = tmp_path / f"{key}.xlsx"
    path.write_bytes(data)
    convert(xlsform=str(path), validate=False)


@pytest.mark.parametrize("key", list(TEMPLATES))
def test_template_is_bilingual_with_one_or_two_indicators_and_comments(key):
    definition = TEMPLATES[key].build()
    assert definition.languages == ["es", "en"]
    indicators = [q for q in definition.questions if q.indicator]
    assert 1 <= len(indicators) <= 2
    for q in indicators:
        assert q.type == "select_one" and q.required
        positives = [c.positive for c in q.choices]
        assert positives[:2] == [True, True] and not any(positives[2:])
    for q in definition.questions:
        if q.type != "end_group":
            assert q.labels.get("es") and q.labels.get("en"), q.name
        for c in q.choices:
            assert c.labels.get("es") and c.labels.get("en")
    comments = definition.questions[-1]
    assert comments.type == "text" and comments.appearance == "multiline" and not comments.required


@pytest.mark.parametrize("key", list(TEMPLATES))
def test_survey_created_from_template_exports_back_to_the_template(app, key):
    survey = create_from_template(key, component_code="AI5", year=2025)
    assert survey.state == "draft" and survey.component_code == "AI5"
    assert set(survey.titles) == {"es", "en"}
    definition = TEMPLATES[key].build()
    exported = services.definition_of(survey)
    assert exported.questions == definition.questions
    assert read_xlsform(xlsform_bytes(exported)).definition == exported


def test_two_surveys_from_one_template_get_distinct_codes(app):
    first = create_from_template("actividad")
    second = create_from_template("actividad", title="Taller de participación juvenil")
    assert first.code != second.code
    assert second.title == "Taller de participación juvenil"
