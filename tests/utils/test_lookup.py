"""Name lookup with 'did you mean' errors, shared by every get(identifier)."""

import pytest

from keraton.utils.lookup import lookup_by_name, unknown_name_error


def test_lookup_accepts_case_and_dash_variants():
    table = {"glorot_uniform": 1, "adam": 2}
    assert lookup_by_name("initializer", "glorot_uniform", table) == 1
    assert lookup_by_name("optimizer", "Adam", table) == 2
    assert lookup_by_name("initializer", "glorot-uniform", table) == 1


def test_unknown_name_lists_known_and_closest():
    err = unknown_name_error("loss", "msee", ["mse", "mae", "hinge"])
    text = str(err)
    assert "Unknown loss 'msee'" in text and "Did you mean 'mse'?" in text
    assert "hinge, mae, mse" in text
    with pytest.raises(ValueError, match="Did you mean"):
        lookup_by_name("loss", "hinje", {"hinge": 0})


def test_no_suggestion_when_nothing_is_close():
    assert "Did you mean" not in str(unknown_name_error("loss", "zzzzzz", ["mse"]))
