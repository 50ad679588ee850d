"""keraton.config: Keras 3's ``keras.config`` names over keraton's global settings."""

import inspect

import pytest
import torch

import keraton
import keraton.config as kc
from keraton.saving import safe_mode_state


@pytest.fixture(autouse=True)
def _restore_settings():
    saved = (kc.floatx(), kc.epsilon(), kc.image_data_format(), dict(kc._SETTINGS))
    yield
    kc.set_floatx(saved[0])
    kc.set_epsilon(saved[1])
    kc.set_image_data_format(saved[2])
    kc._SETTINGS.update(saved[3])
    keraton.mixed_precision.set_global_policy(None)
    safe_mode_state._SAFE_MODE[:] = [True]


def test_names_and_signatures_match_keras():
    keras = pytest.importorskip("keras")
    public = sorted(n for n in dir(keras.config) if not n.startswith("_"))
    assert sorted(kc.__all__) == public
    for name in public:
        ours = inspect.signature(getattr(kc, name)).parameters
        theirs = inspect.signature(getattr(keras.config, name)).parameters
        assert [(p.name, p.default) for p in ours.values()] == [
            (p.name, p.default) for p in theirs.values()], name


@pytest.mark.parametrize("name", [
    "backend", "floatx", "epsilon", "image_data_format", "is_interactive_logging_enabled",
    "is_traceback_filtering_enabled", "is_flash_attention_enabled", "is_nnx_enabled",
    "max_epochs", "max_steps_per_epoch"])
def test_defaults_match_keras(name):
    keras = pytest.importorskip("keras")
    assert getattr(kc, name)() == getattr(keras.config, name)()
    assert str(kc.dtype_policy().name) == keras.config.dtype_policy().name == "float32"


def test_floatx_epsilon_and_data_format_are_the_backend_settings():
    kc.set_floatx("float64")
    assert keraton.backend.floatx() == "float64"
    assert keraton.layers.Dense(2)(torch.ones(1, 3, dtype=torch.float64)).dtype == torch.float64
    kc.set_epsilon(1e-4)
    assert keraton.backend.epsilon() == kc.epsilon() == 1e-4
    kc.set_image_data_format("CHANNELS_FIRST")  # Keras accepts any case
    assert keraton.backend.image_data_format() == kc.image_data_format() == "channels_first"
    with pytest.raises(ValueError, match="channels_last"):
        kc.set_image_data_format("nhwc")
    with pytest.raises(ValueError, match="float"):
        kc.set_floatx("int32")


def test_dtype_policy_is_the_global_mixed_precision_policy():
    kc.set_dtype_policy("mixed_bfloat16")
    assert keraton.mixed_precision.global_policy().name == "mixed_bfloat16"
    assert kc.dtype_policy().compute_dtype == "bfloat16"
    assert kc.dtype_policy().variable_dtype == "float32"
    assert keraton.layers.Dense(2).dtype_policy.name == "mixed_bfloat16"
    kc.set_dtype_policy(keraton.mixed_precision.DTypePolicy("float64"))
    assert kc.dtype_policy().name == "float64"
    for bad in (None, 3):
        with pytest.raises(ValueError, match="policy"):
            kc.set_dtype_policy(bad)
    with pytest.raises(ValueError):
        kc.set_dtype_policy("bogus")


def test_enable_unsafe_deserialization_turns_safe_mode_off():
    assert safe_mode_state.in_safe_mode()
    kc.enable_unsafe_deserialization()
    assert not safe_mode_state.in_safe_mode()


@pytest.mark.parametrize("enable, disable, query, default", [
    (kc.enable_interactive_logging, kc.disable_interactive_logging,
     kc.is_interactive_logging_enabled, True),
    (kc.enable_traceback_filtering, kc.disable_traceback_filtering,
     kc.is_traceback_filtering_enabled, True),
    (kc.enable_flash_attention, kc.disable_flash_attention, kc.is_flash_attention_enabled, None),
])
def test_switches_follow_keras(enable, disable, query, default):
    keras = pytest.importorskip("keras")
    keras_query = getattr(keras.config, query.__name__)
    try:
        disable()
        getattr(keras.config, disable.__name__)()
        assert query() is keras_query() is False
        enable()
        getattr(keras.config, enable.__name__)()
        assert query() is keras_query() is default
    finally:
        getattr(keras.config, enable.__name__)()


@pytest.mark.parametrize("setter, getter", [
    (kc.set_max_epochs, kc.max_epochs), (kc.set_max_steps_per_epoch, kc.max_steps_per_epoch)])
def test_limits(setter, getter):
    setter(3)
    assert getter() == 3
    setter(None)
    assert getter() is None
    for bad in (-1, 2.5, "3", True):
        with pytest.raises(ValueError, match="non-negative integer"):
            setter(bad)
    assert getter() is None


def test_limits_read_the_environment(monkeypatch):
    monkeypatch.setenv("KERAS_MAX_EPOCHS", "4")
    monkeypatch.delenv("KERAS_MAX_STEPS_PER_EPOCH", raising=False)
    assert kc._limit_from_env("KERAS_MAX_EPOCHS") == 4
    assert kc._limit_from_env("KERAS_MAX_STEPS_PER_EPOCH") is None


def test_backend_is_torch_only():
    assert kc.backend() == "torch"
    kc.set_backend("torch")
    for other in ("jax", "tensorflow", "numpy"):
        with pytest.raises(ValueError, match="PyTorch"):
            kc.set_backend(other)
    assert kc.is_nnx_enabled() is False


def test_max_epochs_and_max_steps_per_epoch_cap_fit():
    import numpy as np

    import keraton

    model = keraton.Sequential([keraton.Input((2,)), keraton.layers.Dense(1)])
    model.compile("sgd", "mse")
    x, y = np.ones((40, 2), "float32"), np.ones((40, 1), "float32")
    steps = []
    counter = keraton.callbacks.LambdaCallback(on_train_batch_end=lambda b, logs: steps.append(b))
    try:
        keraton.config.set_max_epochs(2)
        keraton.config.set_max_steps_per_epoch(3)
        history = model.fit(x, y, batch_size=4, epochs=5, verbose=0, callbacks=[counter])
    finally:
        keraton.config.set_max_epochs(None)
        keraton.config.set_max_steps_per_epoch(None)
    assert len(history.history["loss"]) == 2
    assert steps == [0, 1, 2, 0, 1, 2]
    history = model.fit(x, y, batch_size=4, epochs=2, verbose=0)
    assert len(history.history["loss"]) == 2


def test_disabled_interactive_logging_sends_the_progress_bar_to_logging(capsys, caplog):
    import logging

    import numpy as np

    import keraton

    model = keraton.Sequential([keraton.Input((2,)), keraton.layers.Dense(1)])
    model.compile("sgd", "mse")
    keraton.config.disable_interactive_logging()
    try:
        with caplog.at_level(logging.INFO, logger="keraton"):
            model.fit(np.ones((4, 2)), np.ones((4, 1)), epochs=1, verbose=1)
    finally:
        keraton.config.enable_interactive_logging()
    assert capsys.readouterr().out == ""
    assert any("loss" in r.getMessage() for r in caplog.records)
    assert keraton.utils.is_interactive_logging_enabled()
