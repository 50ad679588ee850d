"""Battery cases for the lookup and encoding preprocessing layers (non-differentiable outputs).

StringLookup, IntegerLookup, Hashing, CategoryEncoding, Discretization and
TextVectorization map tokens to integers (or one/multi-hot, count, tf-idf
vectors): they run the battery without the gradient check, on string or
integer inputs, with a symbolic ``keraton.Input`` of the same dtype.  Adapted
layers keep their vocabulary out of the config (Keras's assets), so the config
round trip also carries ``save_assets``/``save_own_variables``, as a ``.keras``
file does.
"""

import numpy as np
import torch

from battery_cases import Case
from keraton import layers

WORDS = np.array(["cat", "dog", "emu", "yak", "owl", "cat", "dog", "cat"])
SENTENCES = np.array(["the cat sat", "a dog ran far", "the emu and the yak", "owl"])


def _words(shape):
    def make(gen):
        index = torch.randint(0, len(WORDS), shape, generator=gen).numpy()
        return WORDS[index]
    return make


def _integers(shape, high):
    return lambda gen: torch.randint(0, high, shape, generator=gen)


def _adapted(layer, data):
    layer.adapt(data)
    return layer


def _strings(shape):
    return np.full(shape, "cat")


def _numbers(shape):
    return np.arange(int(np.prod(shape))).reshape(shape)


STRING_CASE = dict(input_dtype="string", differentiable=False)
INT_CASE = dict(input_dtype="int64", differentiable=False)

CASES = [
    Case("string_lookup", lambda: layers.StringLookup(vocabulary=["cat", "dog", "emu"], mask_token=""),
         (3, 4), make_input=_words((3, 4)),
         bad_inputs=(((2, 3), ("'string_lookup'", "expected string tokens", "0"), _numbers),),
         **STRING_CASE),
    Case("string_lookup_adapted_tf_idf",
         lambda: _adapted(layers.StringLookup(output_mode="tf_idf"), WORDS.reshape(4, 2)),
         (3, 4), make_input=_words((3, 4)), **STRING_CASE),
    Case("string_lookup_one_hot", lambda: layers.StringLookup(vocabulary=["cat", "dog"],
                                                              output_mode="one_hot", num_oov_indices=2),
         (5,), make_input=_words((5,)), **STRING_CASE),
    Case("integer_lookup_multi_hot",
         lambda: layers.IntegerLookup(vocabulary=[2, 3, 5, 7], output_mode="multi_hot"),
         (3, 4), make_input=_integers((3, 4), 9),
         bad_inputs=(((2, 3), ("'integer_lookup'", "expected integer tokens", "'cat'"), _strings),),
         **INT_CASE),
    Case("integer_lookup_adapted", lambda: _adapted(layers.IntegerLookup(mask_token=0),
                                                    np.array([[1, 4, 4], [9, 4, 1]])),
         (3, 4), make_input=_integers((3, 4), 10), **INT_CASE),
    Case("hashing_strings", lambda: layers.Hashing(num_bins=5, salt=7), (4, 2),
         make_input=_words((4, 2)), **STRING_CASE),
    Case("hashing_count", lambda: layers.Hashing(num_bins=6, mask_value=0, output_mode="count"),
         (3, 4), make_input=_integers((3, 4), 20), **INT_CASE),
    Case("category_encoding", lambda: layers.CategoryEncoding(num_tokens=6, output_mode="count"),
         (3, 4), make_input=_integers((3, 4), 6),
         bad_inputs=(((2, 3), ("'category_encoding'", "[0, 6)", "[1, 6]"), lambda s: torch.arange(6)
                                                                                 .reshape(s) + 1),),
         **INT_CASE),
    Case("category_encoding_one_hot", lambda: layers.CategoryEncoding(num_tokens=4, output_mode="one_hot"),
         (5, 1), make_input=_integers((5, 1), 4), **INT_CASE),
    Case("discretization", lambda: layers.Discretization(bin_boundaries=[-0.5, 0.0, 0.5]), (3, 4),
         differentiable=False),
    Case("discretization_adapted_multi_hot",
         lambda: _adapted(layers.Discretization(num_bins=3, output_mode="multi_hot"),
                          np.linspace(-2, 2, 30, dtype="float32")), (3, 4), differentiable=False),
    Case("text_vectorization", lambda: _adapted(layers.TextVectorization(output_sequence_length=5),
                                                SENTENCES),
         (4,), make_input=lambda gen: SENTENCES[torch.randperm(4, generator=gen).numpy()],
         bad_inputs=(((2, 3), ("'text_vectorization'", "rank 1 or a last dimension of 1", "(2, 3)")),),
         **STRING_CASE),
    Case("text_vectorization_tf_idf_bigrams",
         lambda: _adapted(layers.TextVectorization(output_mode="tf_idf", ngrams=2), SENTENCES),
         (4, 1), make_input=lambda gen: SENTENCES[torch.randperm(4, generator=gen).numpy()][:, None],
         **STRING_CASE),
]
