import pytest

from newsdedup.config import Config, LSHConfig, VerifyConfig
from newsdedup.errors import ConfigError


def test_toml_round_trip(tmp_path):
    config = Config().replace(
        {"verify": {"threshold": 0.7}, "choose": {"policy": "source", "source_priority": ["Wire"]}}
    )
    path = tmp_path / "c.toml"
    path.write_text(config.to_toml())
    assert Config.from_toml(path) == config


def test_ints_accepted_for_floats():
    assert Config.from_dict({"verify": {"threshold": 1}}).verify.threshold == 1.0


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"verify": {"threshold": 1.5}}, "verify.threshold must be in"),
        ({"lsh": {"bands": 4}}, "go together"),
        ({"lsh": {"bands": 40, "rows": 4}}, r"40 x 4 = 160 is more than minhash.num_perm = 128"),
        ({"lsh": {"max_bucket": -1}}, "lsh.max_bucket must not be negative"),
        ({"read": {"on_error": "ignore"}}, "read.on_error must be one of"),
        ({"nope": {}}, "unknown config section"),
        ({"verify": {"thresh": 0.5}}, "unknown key verify.thresh"),
        ({"minhash": {"num_perm": "many"}}, "must be of type int"),
        ({"choose": {"policy": "source"}}, "needs choose.source_priority"),
    ],
)
def test_bad_values_name_the_rule(overrides, message):
    with pytest.raises(ConfigError, match=message):
        Config().replace(overrides)


def test_bad_toml_file(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text("[verify\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        Config.from_toml(path)
    with pytest.raises(ConfigError, match="does not exist"):
        Config.from_toml(tmp_path / "missing.toml")


def test_sections_validate_directly():
    with pytest.raises(ConfigError):
        LSHConfig(recall=1.0)
    with pytest.raises(ConfigError):
        VerifyConfig(min_shingles=0)


def test_bands_past_num_perm_name_the_fix():
    with pytest.raises(ConfigError, match="raise --num-perm to at least 160"):
        Config().replace({"lsh": {"bands": 40, "rows": 4}})
    fits = Config().replace({"lsh": {"bands": 40, "rows": 4}, "minhash": {"num_perm": 160}})
    assert fits.lsh.bands * fits.lsh.rows == fits.minhash.num_perm
