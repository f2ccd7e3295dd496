from hypothesis import given
from hypothesis import strategies as st

from newsdedup.config import BoilerplateConfig
from newsdedup.data import Document
from newsdedup.stages.boilerplate import (
    Boilerplate,
    is_pattern,
    learn,
    learn_from_documents,
    source_of,
    split_lines,
    strip,
)

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

    from newsdedup.stages.boilerplate import line_key
    from newsdedup.stages.clean import normalize

    assert line_key(line) == xxhash.xxh64_intdigest(normalize(line).encode("utf-8"))


def test_a_learned_line_reports_every_document_that_carries_it():
    from newsdedup.config import BoilerplateConfig
    from newsdedup.stages.boilerplate import learn

    docs = [("site", f"Story {i} is here.\nFollow the Daily on Mastodon!") for i in range(7)]
    docs += [("other", "Follow the Daily on Mastodon!")]
    bp = learn(docs, BoilerplateConfig(min_docs=5))
    assert [(r.source, r.text, r.documents) for r in bp.lines] == [
        ("site", "Follow the Daily on Mastodon!", 7)
    ]


# The furniture patterns as first written, one anchored pattern: the reference the faster
# pair (_WHOLE, _ANYWHERE) must agree with.
_SHARE_REF = "(?:share|tweet|email|print|pin|whatsapp|facebook|twitter|linkedin|reddit)"
_REFERENCE = (
    r"^(?:"
    r".*\b(?:follow us|like us) on\b.*"
    r"|.*\b(?:sign up|subscribe)\b.*\b(?:newsletter|inbox|updates|email)\b.*"
    r"|.*\b(?:get|receive) .*\bupdates directly\b.*"
    rf"|{_SHARE_REF}(?: (?:this|on|article|story|via|{_SHARE_REF}))*"
    r"|.*\b(?:leave|post|add|view|read|show) (?:a |the |all )?comments?\b.*"
    r"|.*\bcomments? (?:are|have been) closed\b.*"
    r"|(?:photo|image|picture|photograph|credit)s?(?: credit)?(?: by| via)? \S+(?: \S+){0,5}"
    r"|.*\b(?:getty images|afp via getty|reuters photo|ap photo|shutterstock)\b.*"
    r"|.*\bvideo (?:loading|unavailable)\b.*|.*\b(?:click|tap) to play\b.*"
    r"|advertisement|sponsored(?: content)?|related(?: articles| stories| news)?|read more.*"
    r"|.*\ball rights reserved\b.*|copyright .*|© .*"
    r")$"
)
_WORDS = [
    "follow",
    "us",
    "on",
    "like",
    "sign",
    "up",
    "subscribe",
    "newsletter",
    "inbox",
    "updates",
    "email",
    "get",
    "receive",
    "directly",
    "share",
    "this",
    "article",
    "story",
    "via",
    "tweet",
    "pin",
    "leave",
    "a",
    "the",
    "all",
    "comments",
    "comment",
    "are",
    "have",
    "been",
    "closed",
    "photo",
    "photos",
    "image",
    "credit",
    "by",
    "getty",
    "images",
    "afp",
    "ap",
    "reuters",
    "shutterstock",
    "video",
    "loading",
    "unavailable",
    "click",
    "tap",
    "to",
    "play",
    "advertisement",
    "sponsored",
    "content",
    "related",
    "news",
    "read",
    "more",
    "rights",
    "reserved",
    "copyright",
    "©",
    "x9",
    "minister",
    "said",
]


@given(st.lists(st.sampled_from(_WORDS), max_size=30))
def test_split_patterns_agree_with_the_single_reference_pattern(words):
    import re

    from newsdedup.stages.clean import normalize

    line = " ".join(words)
    norm = normalize(line)
    expected = bool(norm) and norm.count(" ") < 25 and bool(re.match(_REFERENCE, norm))
    assert is_pattern(line) == expected, line


@given(st.text(max_size=40))
def test_normal_line_is_normalize(line):
    from newsdedup.stages.boilerplate import normal_line
    from newsdedup.stages.clean import normalize

    assert normal_line(line) == normalize(line)
