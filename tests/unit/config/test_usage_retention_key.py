"""The ``usage-retention-days`` key: schema metadata, loading, clamping, saving and its management setting."""

from __future__ import annotations

import dataclasses

import pytest
import yaml

from server.api.management.settings import SETTINGS
from server.config.defaults import default_config_text
from server.config.load import ConfigError, config_to_dict, parse_config
from server.config.schema import Config


def test_the_field_carries_its_key_and_a_sentence() -> None:
    [field] = [f for f in dataclasses.fields(Config) if f.name == "usage_retention_days"]
    assert field.metadata["key"] == "usage-retention-days"
    assert field.metadata["doc"].endswith(".") and "0 = keep forever" in field.metadata["doc"]
    assert Config().usage_retention_days == 0


@pytest.mark.parametrize(
    ("written", "loaded"),
    [(None, 0), (0, 0), (30, 30), (-5, 0)],
    ids=["absent", "zero", "thirty", "negative-clamps"],
)
def test_loading(written: int | None, loaded: int) -> None:
    document = {} if written is None else {"usage-retention-days": written}
    assert parse_config(document).usage_retention_days == loaded


def test_a_non_integer_is_refused_naming_the_key() -> None:
    with pytest.raises(ConfigError, match="usage-retention-days"):
        parse_config({"usage-retention-days": "a month"})


def test_round_trip_through_the_file_form() -> None:
    data = config_to_dict(parse_config({"usage-retention-days": 90}))
    assert data["usage-retention-days"] == 90
    assert parse_config(data).usage_retention_days == 90


def test_the_bundled_default_config_documents_it() -> None:
    text = default_config_text("sk-test")
    line = text.index("usage-retention-days:")
    assert "keep forever" in text[text.rindex("\n#", 0, line) : line]
    assert parse_config(yaml.safe_load(text)).usage_retention_days == 0


@pytest.mark.parametrize(("value", "stored"), [(7, 7), (0, 0), (-3, 0)])
def test_the_management_setting_clamps_negative_values(value: int, stored: int) -> None:
    [setting] = [s for s in SETTINGS if s.path == "usage-retention-days"]
    assert setting.normalise is not None and setting.normalise(value) == stored
    assert not setting.deletable
