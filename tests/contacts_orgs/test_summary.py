"""`organizations summary [--as-of]`: who is related on a date, every type code with zeros, the total without
the institute's internal areas."""

from __future__ import annotations

import json

from crm.contacts.models import ORGANIZATION_TYPES


def summary(cli, *args) -> dict:
    code, lines = cli("organizations", "summary", *args)
    assert code == 0, lines
    return json.loads(lines[-1])


def test_counts_follow_alta_and_baja_on_each_date(cli, orgs_file):
    path = orgs_file([
        {"nombre": "Instituto Electoral de Tamaulipas", "tipo": "electoral", "ambito": "local", "alta": "2021-05-01"},
        {"nombre": "Universidad de Sonora", "tipo": "académica", "ambito": "nacional", "alta": "2022-01-10",
         "baja": "2025-06-30"},
        {"nombre": "Naciones Unidas", "tipo": "internacional", "ambito": "internacional", "alta": "2025-06-30"},
        {"nombre": "Dirección de Vinculación", "tipo": "área interna", "ambito": "local", "alta": "2019-01-01"},
        {"nombre": "Radio Ciudadana", "tipo": "medios", "alta": "2020-01-01"},
    ])
    assert cli("organizations", "import", path)[0] == 0
    data = summary(cli, "--as-of", "2025-06-29")
    assert list(data) == ["as_of", "total", "by_type", "by_scope"]
    assert list(data["by_type"]) == list(ORGANIZATION_TYPES)  # every code, sin_clasificar included
    assert data["as_of"] == "2025-06-29" and data["total"] == 3  # the internal area is left out
    assert data["by_type"] == {**dict.fromkeys(ORGANIZATION_TYPES, 0), "electoral": 1, "academica": 1, "medios": 1,
                               "area_interna": 1}
    assert data["by_scope"] == {"local": 1, "nacional": 1, "internacional": 0}  # no scope: not in by_scope
    on_the_day = summary(cli, "--as-of", "2025-06-30")  # the baja ends it, the alta begins it, on that very day
    assert (on_the_day["by_type"]["academica"], on_the_day["by_type"]["internacional"]) == (0, 1)
    before = summary(cli, "--as-of", "2018-12-31")
    assert before["total"] == 0 and set(before["by_type"].values()) == {0}


def test_a_relation_that_resumed_counts_only_inside_its_periods(cli, orgs_file):
    for cells in ({"alta": "2020-01-01", "baja": "2021-01-01"}, {"alta": "2023-01-01"}):
        assert cli("organizations", "import", orgs_file([{"nombre": "OEA", "tipo": "internacional", **cells}]))[0] == 0
    assert [summary(cli, "--as-of", day)["total"] for day in ("2020-06-01", "2022-06-01", "2023-01-01")] == [1, 0, 1]


def test_today_by_default_and_a_bad_date_is_one_line(cli):
    from crm.core.timeutil import local_today

    assert summary(cli)["as_of"] == local_today().isoformat()
    code, lines = cli("organizations", "summary", "--as-of", "30/06/2025")
    assert code == 1 and len(lines) == 1 and "AAAA-MM-DD" in lines[0]
