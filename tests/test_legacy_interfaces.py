"""Keras 1 layer arguments, converted as standalone Keras 2.2.5's ``legacy/interfaces.py`` did.

Each Keras 1 spelling must give the layer config of its Keras 2 spelling and the
``Update your `X` call to the Keras 2 API`` warning; a few conversions are
checked numerically against real Keras 3 with copied weights.
"""

import re
import warnings

import numpy as np
import pytest
import torch

import keraton
from keraton import layers as L
from keraton.regularizers import l2

UPDATE = "Update your `{}` call to the Keras 2 API"

# (Keras 1 call, Keras 2 call, class name in the warning)
CASES = {
    "conv2d_positional": (lambda: L.Convolution2D(4, 3, 3, border_mode="same", subsample=(2, 2),
                                                  init="he_normal", W_regularizer=l2(1e-4),
                                                  dim_ordering="tf", bias=False),
                          lambda: L.Conv2D(4, (3, 3), strides=(2, 2), padding="same",
                                           kernel_initializer="he_normal",
                                           kernel_regularizer=l2(1e-4),
                                           data_format="channels_last", use_bias=False), "Conv2D"),
    "conv2d_nb_col": (lambda: L.Convolution2D(4, 3, nb_col=2, dim_ordering="th"),
                      lambda: L.Conv2D(4, (3, 2), data_format="channels_first"), "Conv2D"),
    "conv2d_keywords": (lambda: L.Convolution2D(nb_filter=4, nb_row=3, nb_col=2, b_constraint="non_neg"),
                        lambda: L.Conv2D(filters=4, kernel_size=(3, 2), bias_constraint="non_neg"),
                        "Conv2D"),
    "conv1d": (lambda: L.Convolution1D(nb_filter=4, filter_length=3, subsample_length=2,
                                       border_mode="same", init="uniform", b_regularizer=l2(0.1)),
               lambda: L.Conv1D(4, 3, strides=2, padding="same", kernel_initializer="uniform",
                                bias_regularizer=l2(0.1)), "Conv1D"),
    "conv3d_positional": (lambda: L.Convolution3D(2, 3, 2, 1, border_mode="same"),
                          lambda: L.Conv3D(2, (3, 2, 1), padding="same"), "Conv3D"),
    "conv3d_keywords": (lambda: L.Convolution3D(2, kernel_dim1=1, kernel_dim2=2, kernel_dim3=3),
                        lambda: L.Conv3D(2, (1, 2, 3)), "Conv3D"),
    "conv3d_mixed": (lambda: L.Convolution3D(2, 3, 2, kernel_dim3=4, border_mode="same"),
                     lambda: L.Conv3D(2, (3, 2, 4), padding="same"), "Conv3D"),
    "deconv2d": (lambda: L.Conv2DTranspose(4, 3, 3, (None, 8, 8, 4), border_mode="same"),
                 lambda: L.Conv2DTranspose(4, (3, 3), padding="same"), "Conv2DTranspose"),
    "deconv2d_output_shape": (lambda: L.Conv2DTranspose(4, 3, 3, output_shape=(None, 8, 8, 4)),
                              lambda: L.Conv2DTranspose(4, (3, 3)), "Conv2DTranspose"),
    "separable": (lambda: L.SeparableConvolution2D(4, 3, 3, init="he_normal", depth_multiplier=2,
                                                   bias=False),
                  lambda: L.SeparableConv2D(4, (3, 3), depthwise_initializer="he_normal",
                                            pointwise_initializer="he_normal", depth_multiplier=2,
                                            use_bias=False), "SeparableConv2D"),
    "convlstm2d": (lambda: L.ConvLSTM2D(nb_filter=2, nb_row=3, nb_col=3, border_mode="same",
                                        inner_activation="sigmoid", forget_bias_init="one",
                                        dropout_W=0.1, dropout_U=0.2, inner_init="zeros"),
                   lambda: L.ConvLSTM2D(2, (3, 3), padding="same", recurrent_activation="sigmoid",
                                        unit_forget_bias=True, dropout=0.1, recurrent_dropout=0.2,
                                        recurrent_initializer="zeros"), "ConvLSTM2D"),
    "dense": (lambda: L.Dense(output_dim=3, init="uniform", bias=False, W_constraint="max_norm"),
              lambda: L.Dense(3, kernel_initializer="uniform", use_bias=False,
                              kernel_constraint="max_norm"), "Dense"),
    "dropout": (lambda: L.Dropout(p=0.3), lambda: L.Dropout(0.3), "Dropout"),
    "spatial_dropout1d": (lambda: L.SpatialDropout1D(p=0.3), lambda: L.SpatialDropout1D(0.3),
                          "SpatialDropout1D"),
    "spatial_dropout2d": (lambda: L.SpatialDropout2D(p=0.3, dim_ordering="th"),
                          lambda: L.SpatialDropout2D(0.3, data_format="channels_first"),
                          "SpatialDropout2D"),
    "spatial_dropout3d": (lambda: L.SpatialDropout3D(p=0.3, dim_ordering="default"),
                          lambda: L.SpatialDropout3D(0.3), "SpatialDropout3D"),
    "gaussian_dropout": (lambda: L.GaussianDropout(p=0.2), lambda: L.GaussianDropout(0.2),
                         "GaussianDropout"),
    "gaussian_noise": (lambda: L.GaussianNoise(sigma=0.1), lambda: L.GaussianNoise(0.1),
                       "GaussianNoise"),
    "embedding": (lambda: L.Embedding(10, 4, init="normal", W_regularizer=l2(0.01)),
                  lambda: L.Embedding(10, 4, embeddings_initializer="normal",
                                      embeddings_regularizer=l2(0.01)), "Embedding"),
    "prelu": (lambda: L.PReLU(init="ones"), lambda: L.PReLU(alpha_initializer="ones"), "PReLU"),
    "max_pooling1d": (lambda: L.MaxPooling1D(pool_length=3, stride=1, border_mode="same"),
                      lambda: L.MaxPooling1D(3, 1, "same"), "MaxPooling1D"),
    "average_pooling1d": (lambda: L.AveragePooling1D(pool_length=3),
                          lambda: L.AveragePooling1D(3), "AveragePooling1D"),
    "max_pooling2d": (lambda: L.MaxPooling2D((3, 3), border_mode="same", dim_ordering="th"),
                      lambda: L.MaxPooling2D((3, 3), padding="same", data_format="channels_first"),
                      "MaxPooling2D"),
    "average_pooling3d": (lambda: L.AveragePooling3D(border_mode="same", dim_ordering="tf"),
                          lambda: L.AveragePooling3D(padding="same", data_format="channels_last"),
                          "AveragePooling3D"),
    "global_average_pooling2d": (lambda: L.GlobalAveragePooling2D(dim_ordering="th"),
                                 lambda: L.GlobalAveragePooling2D(data_format="channels_first"),
                                 "GlobalAveragePooling2D"),
    "global_max_pooling3d": (lambda: L.GlobalMaxPooling3D(dim_ordering="tf"),
                             lambda: L.GlobalMaxPooling3D(data_format="channels_last"),
                             "GlobalMaxPooling3D"),
    "upsampling1d": (lambda: L.UpSampling1D(length=3), lambda: L.UpSampling1D(3), "UpSampling1D"),
    "upsampling2d": (lambda: L.UpSampling2D((2, 3), dim_ordering="th"),
                     lambda: L.UpSampling2D((2, 3), data_format="channels_first"), "UpSampling2D"),
    "upsampling3d": (lambda: L.UpSampling3D(dim_ordering="tf"),
                     lambda: L.UpSampling3D(data_format="channels_last"), "UpSampling3D"),
    "zeropadding2d": (lambda: L.ZeroPadding2D((1, 2), dim_ordering="th"),
                      lambda: L.ZeroPadding2D((1, 2), data_format="channels_first"),
                      "ZeroPadding2D"),
    "zeropadding3d": (lambda: L.ZeroPadding3D(dim_ordering="tf"),
                      lambda: L.ZeroPadding3D(data_format="channels_last"), "ZeroPadding3D"),
    "cropping2d": (lambda: L.Cropping2D(((1, 1), (2, 2)), dim_ordering="th"),
                   lambda: L.Cropping2D(((1, 1), (2, 2)), data_format="channels_first"),
                   "Cropping2D"),
    "cropping3d": (lambda: L.Cropping3D(dim_ordering="tf"),
                   lambda: L.Cropping3D(data_format="channels_last"), "Cropping3D"),
    "lstm": (lambda: L.LSTM(output_dim=3, init="he_normal", inner_init="orthogonal",
                            inner_activation="hard_sigmoid", forget_bias_init="one",
                            W_regularizer=l2(0.1), U_regularizer=l2(0.2), b_regularizer=l2(0.3),
                            dropout_W=0.1, dropout_U=0.2, consume_less="gpu"),
             lambda: L.LSTM(3, kernel_initializer="he_normal", recurrent_initializer="orthogonal",
                            recurrent_activation="hard_sigmoid", unit_forget_bias=True,
                            kernel_regularizer=l2(0.1), recurrent_regularizer=l2(0.2),
                            bias_regularizer=l2(0.3), dropout=0.1, recurrent_dropout=0.2,
                            implementation=2), "LSTM"),
    "gru": (lambda: L.GRU(output_dim=3, consume_less="mem"), lambda: L.GRU(3, implementation=1),
            "GRU"),
    "simple_rnn": (lambda: L.SimpleRNN(output_dim=3, dropout_W=0.5), lambda: L.SimpleRNN(3, dropout=0.5),
                   "SimpleRNN"),
    "batchnorm": (lambda: L.BatchNormalization(mode=0, axis=1, beta_init="zero", gamma_init="one"),
                  lambda: L.BatchNormalization(axis=1, beta_initializer="zero",
                                               gamma_initializer="one"), "BatchNormalization"),
    "input_layer": (lambda: L.InputLayer(shape=(3,), input_dtype="float64"),
                    lambda: L.InputLayer(shape=(3,), dtype="float64"), "InputLayer"),
}


def _config(layer):
    config = layer.get_config()
    config.pop("name")
    return config


@pytest.mark.parametrize("case", sorted(CASES))
def test_keras1_call_gives_the_keras2_config_and_warns(case):
    keras1, keras2, shown = CASES[case]
    with pytest.warns(UserWarning, match=re.escape(UPDATE.format(shown))):
        old = keras1()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the Keras 2 spelling converts nothing, warns nothing
        new = keras2()
    assert type(old) is type(new)
    assert _config(old) == _config(new)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a config holds Keras 2 names only
        clone = type(old).from_config(old.get_config())
    assert _config(clone) == _config(new)


def test_warning_spells_the_keras2_call_as_keras2_did():
    with pytest.warns(UserWarning) as record:
        L.Convolution2D(32, 3, 3, border_mode="same")
    assert [str(w.message) for w in record] == [
        'Update your `Conv2D` call to the Keras 2 API: `Conv2D(32, (3, 3), padding="same")`']
    with pytest.warns(UserWarning) as record:
        L.Dense(output_dim=3, W_regularizer=l2(1e-4))
    assert str(record[0].message) == ("Update your `Dense` call to the Keras 2 API: "
                                      "`Dense(units=3, kernel_regularizer=L2(l2=0.00...)`")


def test_warning_points_at_the_callers_line():
    with pytest.warns(UserWarning, match="Update your `Dropout`") as record:
        L.Dropout(p=0.5)
    assert record[0].filename == __file__


def test_keras2_positional_strides_keep_their_keras3_meaning():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        layer = L.Conv2D(8, 3, 2, padding="same")
        other = L.Conv2D(8, 3, 2, use_bias=False)
        volume = L.Conv3D(8, 3, 2, "same")
    assert layer.kernel_size == other.kernel_size == (3, 3)
    assert layer.strides == other.strides == (2, 2)
    assert (volume.kernel_size, volume.strides) == ((3, 3, 3), (2, 2, 2))


def test_three_ints_without_keywords():
    # Keras 3 reads Conv2D(f, a, b) as strides b; Keras 2.x read a kernel (a, b). keraton
    # keeps Keras 3's meaning unless a == b (Keras 1's square kernels) or a Keras 1 keyword.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        strided = L.Conv2D(8, 3, 2, activation="relu")
    assert (strided.kernel_size, strided.strides) == ((3, 3), (2, 2))
    with pytest.warns(UserWarning, match=r"Conv2D\(32, \(3, 3\)"):
        square = L.Convolution2D(32, 3, 3, input_shape=(150, 150, 3))
    assert (square.kernel_size, square.strides) == ((3, 3), (1, 1))
    with pytest.warns(UserWarning, match="Update your `Conv2D`"):
        keras1 = L.Convolution2D(8, 1, 7, init="uniform")
    assert (keras1.kernel_size, keras1.strides) == ((1, 7), (1, 1))
    # A Keras 1 keyword settles it even next to Keras 2's dilation_rate (Keras 2.x's reading).
    with pytest.warns(UserWarning, match="Update your `Conv2D`"):
        dilated = L.Conv2D(16, 3, 3, dilation_rate=(2, 2), border_mode="same")
    assert (dilated.kernel_size, dilated.strides, dilated.dilation_rate, dilated.padding) == (
        (3, 3), (1, 1), (2, 2), "same")


@pytest.mark.parametrize("layer_class", [L.LSTM, L.GRU, L.SimpleRNN, L.Conv1D])
def test_input_dim_and_input_length_become_a_sequence_input_shape(layer_class):
    args = (2, 3) if layer_class is L.Conv1D else (2,)
    with pytest.warns(UserWarning):
        layer = layer_class(*args, input_dim=5, input_length=7)
    assert layer._batch_input_shape == (None, 7, 5)
    model = keraton.Sequential([layer])
    assert model.output_shape[0] is None


def test_embedding_dropout_is_dropped_with_keras2_warning():
    with pytest.warns(UserWarning, match="no longer support in `Embedding`.*SpatialDropout1D") as record:
        layer = L.Embedding(10, 4, dropout=0.2)
    assert not [w for w in record if "Update your" in str(w.message)]
    assert _config(layer) == _config(L.Embedding(10, 4))


def test_forget_bias_init_other_than_one_is_ignored_with_a_warning():
    with pytest.warns(UserWarning, match="`forget_bias_init` argument has been ignored"):
        layer = L.LSTM(3, forget_bias_init="zero")
    assert layer.get_config()["unit_forget_bias"] is True


@pytest.mark.parametrize(("layer_class", "consume_less", "message"), [
    (L.SimpleRNN, "gpu", "The `implementation` argument in `SimpleRNN` has been deprecated"),
    (L.LSTM, "cpu", "`implementation=0` has been deprecated"),
    (L.GRU, "cpu", "`implementation=0` has been deprecated"),
])
def test_consume_less_goes_through_keras2_implementation_checks(layer_class, consume_less, message):
    with pytest.warns(UserWarning, match=re.escape(message)):
        layer = layer_class(2, consume_less=consume_less)
    assert _config(layer) == _config(layer_class(2))


@pytest.mark.parametrize("as_keyword", [True, False])
def test_zeropadding2d_dict_padding(as_keyword):
    pads = {"top_pad": 1, "bottom_pad": 2, "left_pad": 3}
    with pytest.warns(UserWarning, match="no longer accepts dict types"):
        layer = L.ZeroPadding2D(padding=pads) if as_keyword else L.ZeroPadding2D(pads)
    out = layer(torch.ones(1, 4, 4, 1))
    assert tuple(out.shape) == (1, 7, 7, 1)


def test_batchnorm_mode_other_than_zero_raises():
    with pytest.raises(TypeError, match="mode=1"):
        L.BatchNormalization(mode=1)


def test_both_keras1_and_keras2_names_raise():
    with pytest.raises(TypeError, match="`output_dim`.*`units`"):
        L.Dense(output_dim=3, units=3)


def test_unknown_names_still_raise():
    with pytest.raises(TypeError, match=r"unexpected keyword argument\(s\) \['nb_foo'\]"):
        L.Convolution2D(4, 3, 3, nb_foo=1)
    with pytest.raises(TypeError, match="unexpected keyword"):
        L.Dense(3, output_dims=3)


def test_user_subclass_inherits_the_conversion_and_round_trips():
    class MyDense(L.Dense):
        def __init__(self, scale=1.0, **kwargs):
            super().__init__(**kwargs)
            self.scale = scale

    with pytest.warns(UserWarning, match=re.escape(UPDATE.format("MyDense"))):
        layer = MyDense(output_dim=3, init="zeros")
    config = layer.get_config()
    assert config["units"] == 3 and "output_dim" not in config
    auto = layer.__dict__.get("_auto_config") or {}
    assert "output_dim" not in auto and "init" not in auto


def test_keras1_convolution2d_computes_as_keras3_conv2d():
    keras = pytest.importorskip("keras")
    with pytest.warns(UserWarning):
        layer = L.Convolution2D(3, 3, 2, border_mode="same", subsample=(2, 1), activation="relu")
    reference = keras.layers.Conv2D(3, (3, 2), strides=(2, 1), padding="same", activation="relu")
    x = np.random.default_rng(0).normal(size=(2, 6, 5, 2)).astype("float32")
    layer.build(x.shape)
    reference.build(x.shape)
    reference.set_weights(layer.get_weights())
    np.testing.assert_allclose(layer(torch.from_numpy(x)).detach().numpy(),
                               np.asarray(reference(x).detach().cpu()), rtol=1e-5, atol=1e-6)


def test_keras1_lstm_computes_as_keras3_lstm():
    keras = pytest.importorskip("keras")
    with pytest.warns(UserWarning):
        layer = L.LSTM(output_dim=4, inner_activation="hard_sigmoid", consume_less="gpu",
                       return_sequences=True)
    reference = keras.layers.LSTM(4, recurrent_activation="hard_sigmoid", return_sequences=True)
    x = np.random.default_rng(1).normal(size=(2, 5, 3)).astype("float32")
    layer.build(x.shape)
    reference.build(x.shape)
    weights = [np.random.default_rng(i).normal(size=w.shape).astype("float32") * 0.5
               for i, w in enumerate(layer.get_weights())]
    layer.set_weights(weights)
    reference.set_weights(weights)
    np.testing.assert_allclose(layer(torch.from_numpy(x)).detach().numpy(),
                               np.asarray(reference(x).detach().cpu()), rtol=1e-5, atol=1e-6)
