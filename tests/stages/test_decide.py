import json
import math
import random
import string
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from conftest import story_pair
from newsdedup import Config, Document, dedup
from newsdedup.errors import ConfigError
from newsdedup.fit import fit_level, model_json, pair_evidence
from newsdedup.stages.decide import (
    FEATURES,
    HELPS,
    Evidence,
    LevelModel,
    copy_kind,
    load_model,
    parse_model,
)
from newsdedup.synthetic import generate


def evidence(**changes):
    values = dict(
        jaccard=0.05,
        containment=0.1,
        shared_shingles=20,
        similarity=0.06,
        shared_weight=300.0,
        weight_a=2000.0,
        weight_b=3000.0,
        idf_max=8.0,
        days=None,
        same_source=False,
    )
    values.update(changes)
    return Evidence(**values)


def test_features_follow_their_definitions():
    f = dict(zip(FEATURES, evidence(days=2.0).features(), strict=True))
    assert f["coverage"] == pytest.approx(300 / 2000)
    assert f["coverage_larger"] == pytest.approx(300 / 3000)
    assert f["shared_rare"] == pytest.approx(math.log1p(300 / 8))
    assert f["shared_shingles"] == pytest.approx(math.log1p(20))
    assert f["days"] == pytest.approx(math.log1p(2.0))
    assert f["undated"] == 0.0
    undated = dict(zip(FEATURES, evidence().features(), strict=True))
    assert (undated["days"], undated["undated"]) == (0.0, 1.0)


def test_packaged_model_loads_with_monotone_weights():
    model = load_model()
    weights = dict(zip(FEATURES, model.story.weights, strict=True))
    assert all(weights[name] >= 0 for name in HELPS)
    assert weights["days"] <= 0
    assert 0 < model.story.cut < 1


@given(
    st.sampled_from(HELPS),
    st.floats(0, 1),
    st.floats(0, 1),
)
def test_story_score_never_falls_when_evidence_that_helps_grows(name, low, high):
    model = load_model()
    low, high = sorted((low, high))
    base = list(evidence().features())
    i = FEATURES.index(name)
    lower, higher = list(base), list(base)
    lower[i], higher[i] = low, high
    assert model.story.probability(lower) <= model.story.probability(higher)
    assert 0.0 <= model.story.probability(lower) <= 1.0


def test_copy_kind_rules():
    from newsdedup.config import VerifyConfig

    cfg = VerifyConfig()
    assert copy_kind(0.6, 0.6, 50, cfg) == "near"
    assert copy_kind(0.2, 0.9, 50, cfg) == "contained"
    assert copy_kind(0.2, 0.9, 5, cfg) is None


def test_model_json_round_trips(tmp_path):
    model = LevelModel(-1.5, tuple(float(i) for i in range(len(FEATURES))), 0.4)
    from newsdedup.stages.decide import Model

    path = tmp_path / "model.json"
    path.write_text(model_json(Model(model)))
    again = load_model(str(path))
    assert again.story == model
    assert again.source == str(path)


@pytest.mark.parametrize(
    "data, message",
    [
        ({"format": "other", "version": 1}, "not a newsdedup decision model"),
        (
            {"format": "newsdedup-decision", "version": 1, "features": ["jaccard"]},
            "weighs the features",
        ),
        (
            {"format": "newsdedup-decision", "version": 1, "features": list(FEATURES)},
            "incomplete",
        ),
        (
            {
                "format": "newsdedup-decision",
                "version": 1,
                "features": list(FEATURES),
                "levels": {"story": {"intercept": 0, "weights": [1, 2], "cut": 0.5}},
            },
            f"needs {len(FEATURES)} weights",
        ),
    ],
)
def test_bad_models_are_refused_with_a_reason(data, message):
    with pytest.raises(ConfigError, match=message):
        parse_model(data, "m.json")


def test_unreadable_model_file_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="cannot read"):
        load_model(str(tmp_path / "missing.json"))
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(ConfigError, match="not JSON"):
        load_model(str(bad))


def test_fit_level_learns_a_separable_rule_and_keeps_signs():
    rng = np.random.default_rng(0)
    x = rng.random((400, len(FEATURES)))
    i = FEATURES.index("coverage")
    y = (x[:, i] > 0.5).astype(float)
    part = fit_level(x, y, penalty=1e-4)
    weights = dict(zip(FEATURES, part.weights, strict=True))
    assert weights["coverage"] > 5
    assert all(weights[name] >= 0 for name in HELPS)
    assert weights["days"] <= 0
    said = np.array([part.probability(row) >= 0.5 for row in x])
    assert (said == (y == 1)).mean() > 0.95


def test_pair_evidence_gives_features_for_each_candidate():
    corpus = generate(30, seed=3, copies=1.0, rewrites=True, same_topic=1.0)
    found = pair_evidence(corpus.documents())
    assert found.features.shape == (len(found.a), len(FEATURES))
    assert len(found.a) > 0
    assert np.isfinite(found.features).all()


def test_levels_nest_copies_within_rewrites_within_stories():
    corpus = generate(40, seed=5, copies=1.0, rewrites=True, same_topic=1.0).documents()
    grouped = {}
    for level in ("copies", "rewrites", "stories"):
        result = dedup(corpus, Config().replace({"decide": {"level": level}}))
        grouped[level] = sum(not row.is_representative for row in result.assignments)
        kinds = {m.kind for m in result.matches}
        if level == "copies":
            assert not kinds & {"rewrite", "story"}
        if level == "rewrites":
            assert "story" not in kinds
    assert grouped["copies"] <= grouped["rewrites"] <= grouped["stories"]


def test_a_shared_statement_makes_a_story_only_at_the_story_level():
    docs = story_pair()
    assert dedup(docs, Config().replace({"decide": {"level": "rewrites"}})).matches == ()
    result = dedup(docs, Config().replace({"decide": {"level": "stories"}}))
    (match,) = result.matches
    assert (match.kind, match.level) == ("story", "story")
    assert max(p.words for p in match.passages) >= 20
    assert len(result.kept_ids) == 1


@pytest.mark.parametrize(
    ("dates", "grouped"),
    [
        (("2025-01-11", "2025-01-13"), True),  # two days apart: inside the 3-day window
        (("2025-01-11", "2025-03-02"), False),  # months apart: a reused background paragraph
        (("2025-01-11", None), True),  # an unknown date rules nothing out
    ],
)
def test_a_story_is_about_one_event_within_the_date_window(dates, grouped):
    a, b = story_pair()
    docs = [replace(a, published=dates[0]), replace(b, published=dates[1])]
    result = dedup(docs, Config().replace({"decide": {"level": "stories"}}))
    # dated close together, the shared statement already makes a rewrite
    assert len(result.kept_ids) == (1 if grouped else 2)


def _opening_with(sentence, n, seed, published):
    """``n`` reports that open with ``sentence``, each then in words of its own."""
    rng = random.Random(seed)
    vocabulary = [
        "".join(rng.choices(string.ascii_lowercase, k=rng.randint(3, 9))) for _ in range(3000)
    ]
    return [
        Document(
            f"{seed}-{k:02d}",
            f"{sentence} {' '.join(rng.choices(vocabulary, k=60))}.",
            published=day,
        )
        for k, day in enumerate(published(n))
    ]


STATEMENT = (
    "The minister said the agreement signed in the capital on Monday would open the northern "
    "corridor to grain shipments before the end of the harvest season."
)


@pytest.mark.parametrize(
    ("others", "grouped"),
    [
        (lambda n: [], True),  # the statement is in these two reports only
        (lambda n: ["2025-06-12"] * n, True),  # ... and in others about the same event
        (lambda n: [f"2025-{1 + 2 * k:02d}-05" for k in range(n)], False),  # for months
        (lambda n: [None] * n, True),  # ... in undated reports: nothing says it recurs
    ],
)
def test_a_sentence_that_recurs_for_months_is_background_not_a_story(others, grouped):
    """Two reports a day apart open with one sentence, which five others also carry."""
    pair = _opening_with(STATEMENT, 2, 1, lambda n: ["2025-06-10", "2025-06-11"])
    docs = pair + _opening_with(STATEMENT, 5, 2, others)
    result = dedup(docs, Config())
    cluster = {a.doc_id: a.cluster_id for a in result.assignments}
    assert (cluster["1-00"] == cluster["1-01"]) == grouped


@pytest.mark.parametrize(("others", "grouped"), [(0, True), (5, False)])
def test_a_rewrite_of_nothing_but_recurring_background_is_none(others, grouped):
    """Two reports share a paragraph, rare among 300 others, that five carry for months."""
    paragraph = (
        f"{STATEMENT} Officials at the port authority said the first convoy of trucks would "
        "leave the border crossing on Thursday morning under police escort."
    )
    pair = _opening_with(paragraph, 2, 1, lambda n: ["2025-06-10", "2025-06-11"])
    months = _opening_with(
        paragraph, others, 2, lambda n: [f"2025-{1 + 2 * k:02d}-05" for k in range(n)]
    )
    crowd = _opening_with("", 300, 3, lambda n: ["2025-04-01"] * n)
    result = dedup(pair + months + crowd, Config().replace({"decide": {"level": "rewrites"}}))
    cluster = {a.doc_id: a.cluster_id for a in result.assignments}
    assert (cluster["1-00"] == cluster["1-01"]) == grouped
    if grouped:  # the rewrite was aligned to be checked: its passages are its evidence
        (match,) = [m for m in result.matches if {m.a, m.b} == {"1-00", "1-01"}]
        assert match.level == "rewrite" and match.passages


def test_an_undated_pair_is_not_ruled_out_by_when_others_carry_its_sentence():
    pair = _opening_with(STATEMENT, 2, 1, lambda n: [None, None])
    docs = pair + _opening_with(
        STATEMENT, 5, 2, lambda n: [f"2025-{1 + 2 * k:02d}-05" for k in range(n)]
    )
    cluster = {a.doc_id: a.cluster_id for a in dedup(docs, Config()).assignments}
    assert cluster["1-00"] == cluster["1-01"]


def test_shared_names_alone_make_no_story():
    """Two reports that share names and a title of office, in passages under 8 words."""
    a = (
        "President Amara Kolar of the Northern Federation met Prime Minister Davit Oruzan "
        "in Keshet on Monday to discuss the harvest and the price of diesel for farmers. "
        "The talks lasted three hours and ended without a joint statement."
    )
    b = (
        "Protesters gathered outside the assembly as President Amara Kolar of the Northern "
        "Federation arrived for a vote on the budget, which opposition groups say cuts "
        "school funding. Police closed two streets near the square."
    )
    docs = [Document("a", a), Document("b", b)]
    result = dedup(docs, Config().replace({"decide": {"level": "stories"}}))
    assert result.kept_ids == ("a", "b")


def test_passage_stats_count_long_passages_and_their_prose():
    from newsdedup.data import Passage
    from newsdedup.stages.decide import passage_stats

    text = "We wish him all the success in serving his people, said Iran's Foreign Ministry."
    long = Passage(0, 42, 0, 42, 9)  # "We wish him all the success in serving his"
    short = Passage(62, 80, 10, 28, 3)
    stats = passage_stats([long, short], text)
    assert (stats.long, stats.longest, stats.words) == (1, 9, 12)
    assert stats.prose == 8  # "We" is capitalised; the other eight words are prose


def test_story_matches_carry_their_level_and_score():
    docs = story_pair()
    result = dedup(docs, Config().replace({"decide": {"level": "stories"}}))
    for match in result.matches:
        assert match.level in ("copy", "rewrite", "story")
        assert 0.0 <= match.score <= 1.0
        if match.level == "copy":
            assert match.score == 1.0


def test_default_level_is_stories():
    assert Config().decide.level == "stories"
    assert len(dedup(story_pair()).kept_ids) == 1


def test_level_is_validated():
    with pytest.raises(ConfigError, match=r"decide\.level"):
        Config().replace({"decide": {"level": "everything"}})


def test_model_file_is_used_by_a_run(tmp_path):
    """A model that accepts every candidate makes a story of a pair rewrites leave apart."""
    docs = story_pair()
    assert dedup(docs, Config().replace({"decide": {"level": "rewrites"}})).matches == ()
    eager = LevelModel(50.0, tuple(0.0 for _ in FEATURES), 0.5)
    from newsdedup.stages.decide import Model

    path = tmp_path / "eager.json"
    path.write_text(model_json(Model(eager)))
    config = Config().replace({"decide": {"level": "stories", "model": str(path)}})
    result = dedup(docs, config)
    assert [(m.a, m.b, m.kind) for m in result.matches] == [("a", "b", "story")]
    assert json.loads(path.read_text())["format"] == "newsdedup-decision"


def notice(ticker, company, cents, day):
    title = f"{company} <{ticker}> SETS QUARTERLY DIVIDEND"
    text = f"Qtly div {cents} cts vs {cents} cts prior\nPay April {day}\nRecord March {day - 10}\nReuter"
    return title, text


def test_marks_read_tickers_from_headline_and_text():
    from newsdedup.stages.decide import marks, templates

    assert marks("Profit rose.", "CAMPBELL SOUP CO <CPB> SETS DIVIDEND") == "CPB"
    assert marks("Shares of Acme (NYSE: ACM) and <ZZ.L> fell.", None) == "ACM ZZ.L"
    assert marks("No ticker here (see below).", "A headline") == ""
    assert templates("CPB", "MUO")
    assert not templates("CPB", "CPB MUO")
    assert not templates("CPB", "")


def test_notices_of_different_companies_are_never_grouped_even_with_one_text():
    t1, text = notice("CPB", "CAMPBELL SOUP CO", 36, 30)
    t2, _ = notice("MUO", "MUTUAL OF OMAHA", 36, 30)
    t3, _ = notice("CPB", "CAMPBELL SOUP", 36, 30)
    docs = [Document("a", text, t1), Document("b", text, t2), Document("c", text, t3)]
    for level in ("copies", "rewrites", "stories"):
        result = dedup(docs, Config().replace({"decide": {"level": level}}))
        cluster = {row.doc_id: row.cluster_id for row in result.assignments}
        assert cluster["a"] == cluster["c"] != cluster["b"], level


@pytest.mark.parametrize(
    "a, b, differ",
    [
        ("issuing 100 mln dlr due 1992 at 7-3/4", "issuing 150 mln dlr due 1994 at 8", True),
        ("issuing 100 mln dlr due 1992 at 7-3/4", "it is issuing 100 mln due 1992", False),
        ("one figure 100", "another 200", False),  # fewer than two figures: nothing to tell
        ("x " * 700 + "100 200", "x " * 700 + "300 400", False),  # long reports add figures
    ],
)
def test_figures_differ_only_for_short_texts_with_figures(a, b, differ):
    from newsdedup.stages.decide import figures_differ

    assert figures_differ(a, b) is differ
