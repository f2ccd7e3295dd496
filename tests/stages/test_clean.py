from hypothesis import given
from hypothesis import strategies as st

from newsdedup.stages.clean import _table, digest, normalize, spacing_table, translated, uses_spaces


def test_normalize_folds_case_punctuation_width_and_space():
    assert normalize("  Hello,   WORLD!\n\tIt's — “fine”. ") == "hello world it s fine"
    assert normalize("ＦＵＬＬ　ｗｉｄｔｈ") == "full width"
    assert normalize("Straße") == "strasse"


def test_normalize_keeps_urdu_words_whole():
    # The zero-width non-joiner sits inside Urdu/Persian words: it is dropped, not spaced.
    assert normalize("می\u200cخواهم۔ پاکستان،") == "میخواهم پاکستان"


def test_normalize_empty_and_punctuation_only():
    assert normalize("") == ""
    assert normalize(" ... !!! ") == ""


@given(st.text())
def test_normalize_is_idempotent(text):
    once = normalize(text)
    assert normalize(once) == once


@given(st.text())
def test_normalize_has_no_edge_or_double_spaces(text):
    out = normalize(text)
    assert out == out.strip()
    assert "  " not in out


def test_script_detection():
    assert uses_spaces("the quick brown fox")
    assert uses_spaces("پاکستان کے وزیر اعظم")
    assert not uses_spaces("中国人民银行宣布降息")
    assert not uses_spaces("ข่าววันนี้รัฐบาลประกาศ")
    assert uses_spaces("")


def test_digest_equal_for_equal_text_only():
    assert digest("a b") == digest("a b")
    assert digest("a b") != digest("a c")


# Mostly ASCII with a few other characters (the byte path), or mostly not (str.translate).
mixed = st.lists(
    st.one_of(st.text(alphabet=st.characters(max_codepoint=127)), st.text(max_size=3)),
    max_size=12,
).map("".join)


@given(st.one_of(mixed, st.text()))
def test_translated_equals_str_translate(text):
    for table in (_table(), spacing_table()):
        assert translated(text, table) == text.translate(table)


def test_translated_handles_a_lone_surrogate_and_deleted_format_characters():
    text = "Caf\u00e9 \u00a3 5 soft\u00adhyphen \ud800 end of line, " + "x" * 40
    assert translated(text, _table()) == text.translate(_table())
    assert "\u00ad" not in translated(text, _table())
