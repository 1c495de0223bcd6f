import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger import CanonicalEncodingError, canonical_decode, canonical_encode

json_scalars = st.none() | st.booleans() | st.text() | st.integers(-(2**53) + 1, 2**53 - 1)
ascii_keys = st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=12)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(ascii_keys, inner, max_size=4),
    max_leaves=20,
)


def test_keys_are_sorted_and_there_is_no_whitespace():
    assert canonical_encode({"b": 1, "a": {"d": [1, None], "c": True}}) == (
        b'{"a":{"c":true,"d":[1,null]},"b":1}'
    )


def test_text_is_utf8_not_escaped():
    assert canonical_encode({"drawer": "上海核心企业"}) == '{"drawer":"上海核心企业"}'.encode()


@given(json_values)
def test_every_json_value_round_trips_through_its_canonical_bytes(value):
    encoded = canonical_encode(value)
    assert canonical_decode(encoded) == value
    assert canonical_encode(canonical_decode(encoded)) == encoded


@pytest.mark.parametrize(
    "value",
    [
        {"amount": 1.5},
        {"amount": 1.0},
        [float("nan")],
        {1: "integer key"},
        {"ключ": "non-ASCII key"},
        {"tab\tkey": 1},
        {"big": 2**53},
        {"small": -(2**53)},
        {"when": b"bytes"},
        {"set": {1, 2}},
        {"lone surrogate": "\ud800"},
    ],
    ids=repr,
)
def test_values_without_a_canonical_form_are_refused(value):
    with pytest.raises(CanonicalEncodingError):
        canonical_encode(value)


def test_nesting_deeper_than_the_limit_is_refused():
    value = []
    for _ in range(40):
        value = [value]
    with pytest.raises(CanonicalEncodingError):
        canonical_encode(value)


@pytest.mark.parametrize(
    "data",
    [
        b'{"b":1,"a":2}',
        b'{"a": 1}',
        b'{"a":1}\n',
        b'{"a":1.0}',
        b'{"a":1e3}',
        b'{"a":"\\u0041"}',
        b'{"a":1,"a":2}',
        b"not json",
        b"",
    ],
    ids=repr,
)
def test_bytes_that_are_not_the_canonical_encoding_are_refused(data):
    with pytest.raises(CanonicalEncodingError):
        canonical_decode(data)
