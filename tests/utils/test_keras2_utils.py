"""``to_ordinal`` and ``warmstart_embedding_matrix`` against tf.keras 2.15 (fixture from
``tests/fixtures/make_tf2_keras2_names_fixtures.py``)."""

import json
import os

import numpy as np
import pytest
import torch

from keraton.utils.keras2_utils import to_ordinal, warmstart_embedding_matrix

FIXTURE = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "fixtures",
                       "tf2_keras2_names.npz")
DATA = np.load(FIXTURE)
CONFIGS = json.loads(str(DATA["configs"]))


@pytest.mark.parametrize("tag", sorted(CONFIGS["ord_num_classes"]))
def test_to_ordinal(tag):
    out = to_ordinal(DATA[f"ord_{tag}_y"], num_classes=CONFIGS["ord_num_classes"][tag])
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, DATA[f"ord_{tag}"])


def test_to_ordinal_dtype_and_empty():
    assert to_ordinal([2, 0], dtype="int32").tolist() == [[1, 1], [0, 0]]
    with pytest.raises(ValueError, match="num_classes"):
        to_ordinal([])


@pytest.mark.parametrize("init", ["zeros", "ones"])
@pytest.mark.parametrize("as_file", [False, True])
def test_warmstart(init, as_file, tmp_path):
    base_vocab, new_vocab = CONFIGS["warm_vocab"]
    if as_file:
        (tmp_path / "base.txt").write_text("\n".join(base_vocab))
        base_vocab = str(tmp_path / "base.txt")
    out = warmstart_embedding_matrix(base_vocab, np.array(new_vocab), DATA["warm_base"],
                                     new_embeddings_initializer=init)
    assert isinstance(out, torch.Tensor) and out.dtype == torch.float32
    np.testing.assert_array_equal(out.numpy(), DATA[f"warm_{init}"])


def test_warmstart_default_uniform():
    base_vocab, new_vocab = CONFIGS["warm_vocab"]
    out = warmstart_embedding_matrix(base_vocab, new_vocab, torch.tensor(DATA["warm_base"])).numpy()
    copied = [i for i, t in enumerate(new_vocab) if t in base_vocab]
    np.testing.assert_array_equal(out[copied], DATA["warm_zeros"][copied])
    fresh = [i for i in range(len(new_vocab)) if i not in copied]
    assert np.all(np.abs(out[fresh]) <= 0.05)


@pytest.mark.parametrize(("base", "new", "emb", "match"), [
    ([], ["a"], np.zeros((0, 2)), "at least one token"),
    (["a"], 3, np.zeros((1, 2)), "new_vocabulary"),
    (["a", "b"], ["a"], np.zeros((3, 2)), "base_embeddings"),
    ("/no/such/vocab.txt", ["a"], np.zeros((1, 2)), "does not exist"),
])
def test_warmstart_errors(base, new, emb, match):
    with pytest.raises(ValueError, match=match):
        warmstart_embedding_matrix(base, new, emb)
