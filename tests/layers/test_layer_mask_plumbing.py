"""Keras masks through ``Layer.__call__``: list inputs, explicit masks, symbolic ``_keras_mask``.

Each case runs the same layer code on keraton and on real Keras 3 (torch backend).
"""

import numpy as np
import pytest

import keraton

keras = pytest.importorskip("keras")

IDS = np.array([[1, 2, 3, 0], [4, 5, 0, 0]])
IDS_2 = np.array([[1, 2, 0, 0], [4, 5, 6, 0]])


def _mask(t):
    m = getattr(t, "_keras_mask", None)
    return None if m is None else np.asarray(m.cpu()).astype(int).tolist()


def _list_layer(ns):
    class PairSum(ns.layers.Layer):
        """Called on [x, y]; records the mask it was given."""

        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.supports_masking = True
            self.seen = None

        def call(self, inputs, mask=None):
            self.seen = mask
            return inputs[0] + inputs[1]

    return PairSum()


@pytest.mark.parametrize("ns", [keraton, keras], ids=["keraton", "keras"])
def test_layer_called_on_a_list_gets_the_list_of_masks(ns):
    emb = ns.layers.Embedding(10, 3, mask_zero=True)
    layer = _list_layer(ns)
    out = layer([emb(IDS), emb(IDS_2)])
    assert [_mask(type("T", (), {"_keras_mask": m})) for m in layer.seen] == [
        (IDS != 0).astype(int).tolist(), (IDS_2 != 0).astype(int).tolist()]
    # the output takes the first input's mask, as Keras's _set_mask_metadata zips them
    assert _mask(out) == (IDS != 0).astype(int).tolist()


def test_list_input_masks_reach_the_loss_and_metrics_of_a_functional_model():
    def run(ns):
        a = ns.Input((4,), dtype="int32")
        b = ns.Input((4,), dtype="int32")
        emb = ns.layers.Embedding(10, 3, mask_zero=True)
        x = _list_layer(ns)([emb(a), emb(b)])
        model = ns.Model([a, b], ns.layers.Dense(5, activation="softmax")(x))
        rng = np.random.RandomState(0)
        model.set_weights([rng.normal(0, 0.5, w.shape).astype("float32")
                           for w in model.get_weights()])
        model.compile("sgd", "sparse_categorical_crossentropy", metrics=["accuracy"])
        y = np.array([[1, 2, 0, 0], [3, 4, 0, 0]])
        return model.evaluate([IDS, IDS_2], y, verbose=0)

    np.testing.assert_allclose(run(keraton), run(keras), rtol=1e-5)


@pytest.mark.parametrize("ns", [keraton, keras], ids=["keraton", "keras"])
def test_explicit_mask_is_the_one_passed_on(ns):
    class Identity(ns.layers.Layer):
        def __init__(self):
            super().__init__()
            self.supports_masking = True

        def call(self, inputs, mask=None):
            return inputs * 1.0

    x = ns.layers.Embedding(10, 3, mask_zero=True)(IDS)
    explicit = np.array([[True, False, True, True], [True, True, True, False]])
    out = Identity()(x, mask=explicit)
    assert _mask(out) == explicit.astype(int).tolist()


@pytest.mark.parametrize("ns", [keraton, keras], ids=["keraton", "keras"])
def test_symbolic_tensors_carry_their_mask(ns):
    class MyActivation(ns.layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.supports_masking = True

        def call(self, inputs):
            return ns.ops.relu(inputs)

    class NeedsMask(ns.layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.supports_masking = True

        def call(self, inputs, mask=None):
            assert mask is not None  # as the masking guide's TemporalSoftmax
            return inputs * ns.ops.expand_dims(ns.ops.cast(mask, "float32"), -1)

    inputs = ns.Input(shape=(None,), dtype="int32")
    x = ns.layers.Embedding(input_dim=50, output_dim=4, mask_zero=True)(inputs)
    x = MyActivation()(x)
    assert tuple(x._keras_mask.shape) == (None, None)
    assert "bool" in str(x._keras_mask.dtype)
    seq = ns.layers.LSTM(3, return_sequences=True)(x)
    assert tuple(seq._keras_mask.shape) == (None, None)
    last = ns.layers.LSTM(3)(x)
    assert getattr(last, "_keras_mask", None) is None
    out = NeedsMask()(ns.layers.Dense(2)(x))
    model = ns.Model(inputs, out)
    got = ns.ops.convert_to_numpy(model(IDS))
    assert got.shape == (2, 4, 2)
    assert (got[IDS == 0] == 0).all()


@pytest.mark.parametrize("ns", [keraton, keras], ids=["keraton", "keras"])
def test_custom_layer_may_assign_input_dim_and_friends(ns):
    class CustomEmbedding(ns.layers.Layer):
        def __init__(self, input_dim, output_dim, **kwargs):
            super().__init__(**kwargs)
            self.input_dim = input_dim
            self.output_dim = output_dim
            self.input_shape = (None, 7)
            self.output_shape = (None, 7, output_dim)
            self.batch_size = 5

        def build(self, input_shape):
            self.embeddings = self.add_weight(shape=(self.input_dim, self.output_dim))

        def call(self, inputs):
            return ns.ops.take(self.embeddings, ns.ops.cast(inputs, "int32"), axis=0)

    layer = CustomEmbedding(10, 3)
    out = layer(IDS)
    assert (layer.input_dim, layer.output_dim, layer.batch_size) == (10, 3, 5)
    assert (tuple(layer.input_shape), tuple(layer.output_shape)) == ((None, 7), (None, 7, 3))
    assert tuple(out.shape) == (2, 4, 3)


@pytest.mark.parametrize("ns", [keraton, keras], ids=["keraton", "keras"])
def test_numpy_keyword_arguments_become_tensors(ns):
    mha = ns.layers.MultiHeadAttention(num_heads=1, key_dim=2)
    x = ns.ops.convert_to_tensor(np.random.RandomState(0).normal(size=(1, 4, 3)).astype("float32"))
    mha(x, x)
    mha.set_weights([np.random.RandomState(i).normal(size=w.shape).astype("float32")
                     for i, w in enumerate(mha.get_weights())])
    mask = np.array([[[1, 1, 1, 0]] * 4], dtype="int32")
    out = ns.ops.convert_to_numpy(mha(x, x, attention_mask=mask))[0, :, 0]
    np.testing.assert_allclose(out, [1.29527, -1.05888, 1.29538, 1.29527], atol=1e-4)
