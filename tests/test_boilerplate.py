from hypothesis import given
from hypothesis import strategies as st

from newsdedup.boilerplate import (
    Boilerplate,
    is_pattern,
    learn,
    learn_from_documents,
    source_of,
    split_lines,
    strip,
)
from newsdedup.config import BoilerplateConfig
from newsdedup.data import Document

FOOTER = "Follow the Daily Planet for more stories from the valley and beyond"


def story(n: int) -> str:
    return f"Story number {n} about the harbour.\nIt has its own second paragraph {n}.\n{FOOTER}"


def test_line_recurring_in_a_source_is_learned_and_reported():
    docs = [("Planet", story(n)) for n in range(5)] + [("Other", story(9))]
    bp = learn(docs, BoilerplateConfig(min_docs=5))
    assert [(row.source, row.text, row.documents) for row in bp.lines] == [("Planet", FOOTER, 5)]
    assert FOOTER not in strip(story(7), "Planet", bp)
    assert "second paragraph 7" in strip(story(7), "Planet", bp)
    assert FOOTER in strip(story(7), "Other", bp)  # furniture of one source only


def test_below_min_docs_nothing_is_learned():
    bp = learn([("Planet", story(n)) for n in range(4)], BoilerplateConfig(min_docs=5))
    assert bp.lines == ()


def test_exact_copies_are_counted_once():
    # a wire story repeated verbatim five times must not become its own furniture
    docs = [Document(f"d{n}", story(1), source="Planet") for n in range(5)]
    assert learn_from_documents(docs, BoilerplateConfig(min_docs=2)).lines == ()


def test_documents_without_source_learn_nothing_but_url_host_counts():
    assert learn([(None, story(n)) for n in range(9)], BoilerplateConfig()).lines == ()
    docs = [Document(f"d{n}", story(n), url=f"https://www.planet.example/a/{n}") for n in range(5)]
    (row,) = learn_from_documents(docs, BoilerplateConfig()).lines
    assert row.source == "planet.example"
    assert source_of(None, "not a url") is None and source_of("AP", "https://x.org") == "AP"


def test_patterns_catch_furniture_but_not_article_sentences():
    for line in (
        "Follow us on Twitter",
        "Sign up for our daily newsletter",
        "Get daily updates directly to your inbox + Subscribe",
        "Video Loading Video Unavailable Click to play Tap to play",
        "Share this article",
        "Photo: Getty Images",
        "Advertisement",
    ):
        assert is_pattern(line), line
    for line in (
        "The minister said she would sign up to the treaty on Friday if parliament agreed.",
        "Police shared a photo of the suspect and asked the public for help in the search.",
    ):
        assert not is_pattern(line), line


def test_strip_never_empties_a_text():
    assert strip("Advertisement\nShare this", None, Boilerplate()) == "Advertisement\nShare this"


def test_disabled_learns_nothing_and_strips_nothing():
    bp = learn([("P", story(n)) for n in range(9)], BoilerplateConfig(enabled=False))
    assert bp.lines == () and strip("Advertisement\nText", "P", bp) == "Advertisement\nText"


@given(st.text())
def test_strip_keeps_lines_in_order(text):
    kept = split_lines(strip(text, None, Boilerplate()))
    lines = split_lines(text)
    assert all(line in lines for line in kept)


@given(st.text(alphabet=st.characters(max_codepoint=127), max_size=60))
def test_line_key_fast_path_equals_the_normalised_line(line):
    import xxhash

    from newsdedup.boilerplate import line_key
    from newsdedup.clean import normalize

    assert line_key(line) == xxhash.xxh3_64_intdigest(normalize(line).encode("utf-8"))


def test_a_learned_line_reports_every_document_that_carries_it():
    from newsdedup.boilerplate import learn
    from newsdedup.config import BoilerplateConfig

    docs = [("site", f"Story {i} is here.\nFollow the Daily on Mastodon!") for i in range(7)]
    docs += [("other", "Follow the Daily on Mastodon!")]
    bp = learn(docs, BoilerplateConfig(min_docs=5))
    assert [(r.source, r.text, r.documents) for r in bp.lines] == [
        ("site", "Follow the Daily on Mastodon!", 7)
    ]
