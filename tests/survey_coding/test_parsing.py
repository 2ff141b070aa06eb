"""What the coding page reads from the request: the hidden list of the answers shown and the filters, for any
input (hypothesis)."""

from __future__ import annotations

from hypothesis import example, given
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict

from surveys.coding.forms import posted_answer_ids
from surveys.coding.listing import CODED, SEARCH_MAX, UNCODED, Filters


class _Code:
    def __init__(self, id_: int):
        self.id = id_


@given(st.text())
@example("12 ² ٣ 13")  # digits that str.isdigit() accepts and int() may not
def test_the_hidden_list_gives_only_bounded_ids(text):
    ids = posted_answer_ids(text)
    assert len(ids) <= 200 and all(isinstance(i, int) and 0 <= i < 10**11 for i in ids)


@given(st.lists(st.integers(min_value=0, max_value=10**9), max_size=30))
def test_the_hidden_list_reads_back_what_the_page_wrote(ids):
    assert posted_answer_ids(" ".join(map(str, ids))) == ids


@given(st.text(), st.text(), st.text())
@example("", "²", "")
@example("", "9" * 5000, "")
def test_the_filters_keep_only_known_states_codes_of_the_question_and_short_text(state, code, text):
    filters = Filters.from_args(MultiDict({"estado": state, "codigo": code, "texto": text}), [_Code(3), _Code(7)])
    assert filters.state in ("", UNCODED, CODED)
    assert filters.code_id in (None, 3, 7)
    assert len(filters.text) <= SEARCH_MAX and filters.text == filters.text.strip()
    assert Filters.from_args(MultiDict(filters.args()), [_Code(3), _Code(7)]) == filters
