"""The key validator, property-based: every key it accepts names a file inside its survey's folder, every
well-formed key is accepted, and no insertion of a path separator, dot-dot or control character gets through."""

from __future__ import annotations

from pathlib import PurePosixPath

from hypothesis import given
from hypothesis import strategies as st

from surveys.uploads.sniffing import FORMATS
from surveys.uploads.storage import InvalidUploadKey, is_upload_key, key_parts

ROOT = PurePosixPath("/srv/vinculo/survey_files")
survey_ids = st.integers(min_value=1, max_value=10**17)
tokens = st.binary(min_size=16, max_size=16).map(bytes.hex)
extensions = st.sampled_from(sorted(FORMATS))
valid_keys = st.builds(lambda s, t, e: f"{s}/{t}.{e}", survey_ids, tokens, extensions)


def _inside(key: str) -> bool:
    survey_id, token, ext = key_parts(key)
    path = ROOT / str(survey_id) / f"{token}.{ext}"
    return path.parent.parent == ROOT and ".." not in path.parts and str(path) == f"{ROOT}/{key}"


@given(valid_keys)
def test_every_well_formed_key_is_accepted_and_round_trips(key):
    assert is_upload_key(key)
    survey_id, token, ext = key_parts(key)
    assert f"{survey_id}/{token}.{ext}" == key and _inside(key)


@given(st.text())
def test_any_accepted_text_stays_inside_the_folder(text):
    if is_upload_key(text):
        assert text.isascii() and text.count("/") == 1 and _inside(text)
    else:
        try:
            key_parts(text)
        except InvalidUploadKey:
            pass
        else:
            raise AssertionError(f"key_parts accepted {text!r}")


@given(valid_keys, st.integers(min_value=0), st.sampled_from(
    ["../", "/", "\\", "..", "\n", "\x00", "%2e", " ", "\t", "~", "A", ".", "é"]))
def test_an_insertion_anywhere_is_refused(key, where, piece):
    position = where % (len(key) + 1)
    mutated = key[:position] + piece + key[position:]
    assert not is_upload_key(mutated) or mutated == key


@given(st.one_of(st.none(), st.integers(), st.binary(), st.lists(st.text())))
def test_non_strings_are_refused(value):
    assert not is_upload_key(value)
