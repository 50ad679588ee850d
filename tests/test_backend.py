"""keraton.backend: global settings with validation, name counters, dtype helpers."""

import numpy as np
import pytest
import torch

import keraton
from keraton import backend, layers


@pytest.fixture(autouse=True)
def restore_settings():
    saved = (backend.floatx(), backend.epsilon(), backend.image_data_format())
    yield
    backend.set_floatx(saved[0])
    backend.set_epsilon(saved[1])
    backend.set_image_data_format(saved[2])


def test_defaults_match_keras():
    assert backend.floatx() == "float32"
    assert backend.epsilon() == 1e-7
    assert backend.image_data_format() == "channels_last"
    keras = pytest.importorskip("keras")
    assert keras.config.floatx() == backend.floatx()
    assert keras.config.epsilon() == backend.epsilon()
    assert keras.config.image_data_format() == backend.image_data_format()


@pytest.mark.parametrize("value", ["float16", "bfloat16", "float32", "float64"])
def test_set_floatx(value):
    backend.set_floatx(value)
    assert backend.floatx() == value
    assert backend.torch_dtype(None) == getattr(torch, value)
    assert backend.standardize_dtype(None) == value
    layer = layers.Dense(2)
    assert layer.dtype == value
    layer.build((None, 3))
    assert layer.kernel.dtype == getattr(torch, value)


@pytest.mark.parametrize("value", ["int32", "float", "double", None, "Float32"])
def test_set_floatx_rejects(value):
    with pytest.raises(ValueError, match="floatx"):
        backend.set_floatx(value)
    assert backend.floatx() == "float32"


def test_set_epsilon():
    backend.set_epsilon(1e-4)
    assert backend.epsilon() == 1e-4
    backend.set_epsilon(1)
    assert backend.epsilon() == 1.0 and isinstance(backend.epsilon(), float)
    with pytest.raises(ValueError):
        backend.set_epsilon("tiny")
    assert backend.epsilon() == 1.0


@pytest.mark.parametrize("value", ["channels_first", "channels_last"])
def test_set_image_data_format(value):
    backend.set_image_data_format(value)
    assert backend.image_data_format() == value
    assert layers.Flatten().data_format == value


@pytest.mark.parametrize("value", ["NCHW", "channels_middle", None, "Channels_Last"])
def test_set_image_data_format_rejects(value):
    with pytest.raises(ValueError, match="data_format"):
        backend.set_image_data_format(value)
    assert backend.image_data_format() == "channels_last"


def test_clear_session_resets_name_counters():
    assert [layers.Dense(1).name for _ in range(2)] == ["dense", "dense_1"]
    assert keraton.Input((2,))._keras_history[0].name == "input_layer"
    backend.clear_session()
    assert layers.Dense(1).name == "dense"
    assert keraton.Input((2,))._keras_history[0].name == "input_layer"
    assert keraton.Sequential().name == "sequential"


@pytest.mark.parametrize("policy", ["mixed_bfloat16", "float32"])
def test_clear_session_resets_the_global_dtype_policy_as_keras(policy):
    keraton.config.set_dtype_policy(policy)
    assert layers.Dense(1).dtype_policy.name == policy
    backend.clear_session()
    backend.set_floatx("float64")
    try:
        assert keraton.config.dtype_policy().name == "float64"  # floatx's again, as Keras
        assert layers.Dense(1).dtype == "float64"
    finally:
        backend.set_floatx("float32")


def test_unique_object_name():
    assert [backend.unique_object_name("thing") for _ in range(3)] == ["thing", "thing_1", "thing_2"]
    assert backend.unique_object_name("other") == "other"


SNAKE_CASES = [
    ("Conv2D", "conv2d"),
    ("BatchNormalization", "batch_normalization"),
    ("Dense", "dense"),
    ("LSTM", "lstm"),
    ("GRUCell", "gru_cell"),
    ("ReLU", "re_lu"),
    ("PReLU", "p_re_lu"),
    ("Conv2DTranspose", "conv2d_transpose"),
    ("UpSampling2D", "up_sampling2d"),
    ("TorchModuleWrapper", "torch_module_wrapper"),
    ("HTTPServer", "http_server"),
    ("My Layer!", "my_layer"),
]


@pytest.mark.parametrize("name,expected", SNAKE_CASES)
def test_to_snake_case(name, expected):
    assert backend.to_snake_case(name) == expected


@pytest.mark.parametrize("name", [n for n, _ in SNAKE_CASES])
def test_to_snake_case_matches_keras(name):
    pytest.importorskip("keras")
    from keras.src.utils.naming import to_snake_case

    assert backend.to_snake_case(name) == to_snake_case(name)


@pytest.mark.parametrize(
    "dtype,expected",
    [
        ("float32", torch.float32), ("float64", torch.float64), ("int64", torch.int64),
        ("bool", torch.bool), (torch.float16, torch.float16), (np.dtype("float64"), torch.float64),
        (np.int32, torch.int32), (np.float64, torch.float64), (float, torch.float32),
        (int, torch.int32), (bool, torch.bool),
        ({"module": "keras", "class_name": "DTypePolicy", "config": {"name": "bfloat16"}},
         torch.bfloat16),
        ("mixed_float16", torch.float32),  # variables of a mixed policy are float32
    ],
)
def test_torch_dtype(dtype, expected):
    assert backend.torch_dtype(dtype) == expected
    # keras.backend.standardize_dtype gives the Keras name of the same dtype.
    assert backend.standardize_dtype(dtype) == str(expected).replace("torch.", "")


def test_standardize_dtype_unknown():
    with pytest.raises(ValueError, match="Unknown dtype"):
        backend.standardize_dtype("complex256")


def test_dtype_name_and_helpers():
    assert backend.dtype_name(torch.float32) == "float32"
    assert backend.dtype_name(torch.int8) == "int8"
    x = keraton.Input((3, 4))
    assert backend.is_keras_tensor(x) and not backend.is_keras_tensor(torch.zeros(1))
    assert backend.int_shape(x) == (None, 3, 4)
    assert backend.int_shape(torch.zeros(2, 5)) == (2, 5)


@pytest.mark.parametrize("dtypes", [("int32", float), ("int8", "uint8"), ("float16", "float64"),
                                    ("bool", int), ("int64", "float32"), ()])
def test_result_type_matches_keras(dtypes):
    keras = pytest.importorskip("keras")
    assert keraton.backend.result_type(*dtypes) == keras.backend.result_type(*dtypes)
