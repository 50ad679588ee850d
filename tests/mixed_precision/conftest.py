"""Every mixed-precision test starts and ends with the default (float32) global policy."""

import pytest

import keraton


@pytest.fixture(autouse=True)
def _reset_global_policy():
    keraton.mixed_precision.set_global_policy(None)
    yield
    keraton.mixed_precision.set_global_policy(None)
