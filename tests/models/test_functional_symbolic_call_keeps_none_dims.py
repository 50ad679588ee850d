"""A functional model called on symbolic inputs propagates shapes layer by layer (Keras 3).

Keras 3's ``Functional.compute_output_spec`` walks the graph with each layer's
own ``compute_output_spec``, so an unknown sequence length stays ``None`` even
where convolutions and poolings would shrink small placeholder values below a
kernel size (keras.io "Using pre-trained word embeddings": wrapping the trained
model in an end-to-end model). Shapes recorded with Keras 3.15 (torch backend).
"""

import numpy as np

import keraton
from keraton import layers


def _conv_text_model():
    ids = keraton.Input(shape=(None,), dtype="int32")
    x = layers.Embedding(20, 4)(ids)
    x = layers.Conv1D(3, 5, activation="relu")(x)
    x = layers.MaxPooling1D(5)(x)
    x = layers.Conv1D(3, 5, activation="relu")(x)
    x = layers.GlobalMaxPooling1D()(x)
    return keraton.Model(ids, layers.Dense(2, activation="softmax")(x))


def test_wrapping_a_model_with_none_length_and_deep_conv_stack():
    model = _conv_text_model()
    outer_input = keraton.Input(shape=(None,), dtype="int32")
    preds = model(outer_input)
    assert tuple(preds.shape) == (None, 2)  # Keras 3.15: (None, 2)
    end_to_end = keraton.Model(outer_input, preds)
    x = np.random.RandomState(0).randint(0, 20, size=(3, 40)).astype("int32")
    np.testing.assert_allclose(keraton.ops.convert_to_numpy(end_to_end(x)),
                               keraton.ops.convert_to_numpy(model(x)), rtol=1e-6)


def test_symbolic_call_keeps_none_and_known_dims_through_multi_output_graph():
    a = keraton.Input(shape=(None, 3))
    b = keraton.Input(shape=(4,))
    seq = layers.Conv1D(2, 3, padding="valid")(a)
    pooled = layers.GlobalAveragePooling1D()(seq)
    inner = keraton.Model([a, b], {"seq": seq, "joint": layers.Concatenate()([pooled, b])})
    outs = inner([keraton.Input(shape=(None, 3)), keraton.Input(shape=(4,), batch_size=5)])
    # Keras 3.15: seq (None, None, 2); joint (None, 6)
    assert tuple(outs["seq"].shape) == (None, None, 2)
    assert tuple(outs["joint"].shape) == (None, 6)
    fixed = inner([keraton.Input(shape=(9, 3)), keraton.Input(shape=(4,))])
    assert tuple(fixed["seq"].shape) == (None, 7, 2)  # Keras 3.15: (None, 7, 2)
