"""Keras 2 backend ``rnn``, ``map_fn``, folds, CTC functions and ``in_top_k`` against tf.keras 2.

The expected values come from tf.keras 2 (TensorFlow 2.15) through
``tests/fixtures/make_tf2_backend_control_fixtures.py``.
"""

import json
import os

import numpy as np
import pytest
import torch

import keraton
from keraton import backend as K

FIXTURE = os.path.join(os.path.dirname(__file__), "..", "fixtures", "tf2_backend", "control.npz")
TF2 = dict(np.load(FIXTURE))
RNN_CASES = json.loads(str(TF2["rnn_cases"]))


def _t(name):
    return torch.tensor(TF2[name])


def _step(inputs, states, nested=False, constant=False):
    """The fixture's step function in torch: ``h = tanh(x w + h u [+ k])``, output ``2 h``."""
    pre = inputs @ _t("rnn_w") + states[0] @ _t("rnn_u")
    if constant:
        pre = pre + states[-1]
    h = torch.tanh(pre)
    if nested:
        return 2.0 * h, [h, [states[1][0] + h]]
    return 2.0 * h, [h]


def _rnn_arguments(case):
    kwargs = {key: value for key, value in case.items()
              if key in ("go_backwards", "unroll", "zero_output_for_mask", "return_all_outputs",
                         "time_major")}
    inputs, mask = TF2["rnn_x"], TF2["rnn_mask"]
    if case.get("time_major"):
        inputs, mask = np.swapaxes(inputs, 0, 1), mask.T
    if case.get("mask") == "3d":
        mask = mask[..., None]
    if case.get("mask"):
        kwargs["mask"] = torch.tensor(mask)
    if "input_length" in case:
        key = "rnn_lengths" if case["input_length"] == "lengths" else "rnn_short_lengths"
        kwargs["input_length"] = _t(key)
    states = [_t("rnn_h0")]
    if case.get("nested"):
        states.append([_t("rnn_c0")])
    if case.get("constants"):
        kwargs["constants"] = [_t("rnn_k")]
    return torch.tensor(inputs), states, kwargs


@pytest.mark.parametrize("name", sorted(RNN_CASES))
def test_rnn_matches_tf2(name):
    case = RNN_CASES[name]
    inputs, states, kwargs = _rnn_arguments(case)
    nested, constant = bool(case.get("nested")), bool(case.get("constants"))
    last, outputs, new_states = K.rnn(
        lambda i, s: _step(i, s, nested, constant), inputs, states, **kwargs)
    np.testing.assert_allclose(last.numpy(), TF2[f"rnn_{name}_last"], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(outputs.numpy(), TF2[f"rnn_{name}_outputs"], rtol=1e-5, atol=1e-6)
    flat = keraton.tree.flatten(new_states)
    assert len(flat) == (2 if nested else 1)
    for i, state in enumerate(flat):
        np.testing.assert_allclose(state.numpy(), TF2[f"rnn_{name}_state{i}"], rtol=1e-5,
                                   atol=1e-6)
    # tf.keras 2's while-loop returns a tuple; unrolled without a mask, the step's own list.
    assert isinstance(new_states, list if case.get("unroll") and "mask" not in case else tuple)


def test_rnn_hand_computed_running_sum_with_mask():
    x = torch.arange(1.0, 7.0).reshape(1, 3, 2)  # steps [1, 2], [3, 4], [5, 6]

    def step(inputs, states):
        total = states[0] + inputs
        return total * 10, [total]

    mask = torch.tensor([[True, False, True]])
    last, outputs, (state,) = K.rnn(step, x, [torch.zeros(1, 2)], mask=mask)
    np.testing.assert_allclose(outputs[0].numpy(), [[10, 20], [10, 20], [60, 80]])
    np.testing.assert_allclose(state.numpy(), [[6, 8]])
    _, outputs, _ = K.rnn(step, x, [torch.zeros(1, 2)], mask=mask, zero_output_for_mask=True)
    np.testing.assert_allclose(outputs[0].numpy(), [[10, 20], [0, 0], [60, 80]])


def test_rnn_nested_inputs_and_constants_reach_the_step():
    seen = []

    def step(inputs, states):
        seen.append((tuple(inputs[0].shape), tuple(inputs[1].shape), len(states)))
        return inputs[0] + inputs[1].sum(-1, keepdim=True) + states[1], [states[0]]

    last, outputs, _ = K.rnn(step, (torch.ones(2, 4, 3), torch.ones(2, 4, 5)),
                             [torch.zeros(2, 3)], constants=[torch.full((2, 3), 0.5)])
    assert seen[0] == ((2, 3), (2, 5), 2) and len(seen) == 4
    assert outputs.shape == (2, 4, 3)
    np.testing.assert_allclose(last.numpy(), np.full((2, 3), 6.5))


def test_rnn_gradient_flows():
    x = torch.randn(2, 3, 2, dtype=torch.float64, requires_grad=True)
    h0 = torch.randn(2, 2, dtype=torch.float64, requires_grad=True)
    mask = torch.tensor([[True, False, True], [True, True, False]])

    def run(x, h0):
        return K.rnn(lambda i, s: (torch.tanh(i + s[0]), [torch.tanh(i + s[0])]), x, [h0],
                     mask=mask, go_backwards=True)[1]

    assert torch.autograd.gradcheck(run, (x, h0))


def test_rnn_rejects_rank_2_inputs():
    with pytest.raises(ValueError, match=r"rank 3 or more.*\(4, 3\).*expand_dims"):
        K.rnn(lambda i, s: (i, s), torch.zeros(4, 3), [torch.zeros(4, 3)])


# --------------------------------------------------------- map_fn and folds
def test_map_fn_and_folds_match_tf2():
    e, e2 = _t("elems"), _t("elems2")
    np.testing.assert_allclose(K.map_fn(lambda r: r * r + r.sum(), e).numpy(), TF2["map_fn"],
                               rtol=1e-6)
    np.testing.assert_allclose(K.map_fn(lambda p: p[0] * p[1], (e, e2), dtype="float32").numpy(),
                               TF2["map_fn_nested"], rtol=1e-6)
    for fold in ("foldl", "foldr"):
        fn = getattr(K, fold)
        np.testing.assert_allclose(fn(lambda a, r: 0.5 * a + r, e).numpy(), TF2[fold], rtol=1e-6)
        np.testing.assert_allclose(fn(lambda a, r: a * 2.0 + r.sum(), e, initializer=1.0).numpy(),
                                   TF2[f"{fold}_init"], rtol=1e-6)


def test_map_fn_and_fold_errors():
    with pytest.raises(TypeError, match="float32 values but dtype='int32'"):
        K.map_fn(lambda r: r * 2, torch.ones(2, 3), dtype="int32")
    with pytest.raises(TypeError, match="callable `fn`"):
        K.foldl(3, torch.ones(2))
    with pytest.raises(ValueError, match="needs an `initializer`"):
        K.foldr(lambda a, x: a + x, torch.ones(0))


# ------------------------------------------------------------------ in_top_k
@pytest.mark.parametrize("k", [1, 2, 3])
def test_in_top_k_matches_tf2_with_ties(k):
    result = K.in_top_k(_t("topk_predictions"), _t("topk_targets"), k)
    assert result.dtype == torch.bool
    np.testing.assert_array_equal(result.numpy(), TF2[f"topk_{k}"])


def test_in_top_k_ties_non_finite_and_out_of_range():
    predictions = torch.tensor([[1.0, 2.0, 2.0], [1.0, float("nan"), 0.0], [1.0, 2.0, 2.0]])
    np.testing.assert_array_equal(
        K.in_top_k(predictions, torch.tensor([1, 0, 5]), 1).numpy(), [True, False, False])
    with pytest.raises(ValueError, match=r"\(batch, classes\).*\(3,\)"):
        K.in_top_k(torch.zeros(3), torch.zeros(3, dtype=torch.int64), 1)


# ---------------------------------------------------------------------- sparse
def test_ctc_label_dense_to_sparse_matches_tf2():
    sparse = K.ctc_label_dense_to_sparse(_t("ctc_labels"), _t("ctc_label_lengths"))
    assert K.is_sparse(sparse) and not K.is_sparse(sparse.to_dense())
    np.testing.assert_array_equal(sparse.indices().T.numpy(), TF2["sparse_indices"])
    np.testing.assert_array_equal(sparse.values().numpy(), TF2["sparse_values"])
    assert tuple(sparse.shape) == tuple(TF2["sparse_shape"])
    assert sparse.values().dtype == torch.int32
    dense = K.to_dense(sparse)
    kept = np.arange(4)[None] < TF2["ctc_label_lengths"][:, None]
    np.testing.assert_array_equal(dense.numpy(), np.where(kept, TF2["ctc_labels"], 0))
    x = torch.ones(2)
    assert K.to_dense(x) is x and not K.is_sparse(np.ones(2))
    with pytest.raises(ValueError, match=r"label_lengths of shape \(batch,\).*\(3, 1\)"):
        K.ctc_label_dense_to_sparse(_t("ctc_labels"), _t("ctc_label_lengths")[:, None])


# ------------------------------------------------------------------------- CTC
def _cost_arguments(y_pred):
    return (_t("ctc_labels"), y_pred, _t("ctc_input_length"), _t("ctc_label_lengths")[:, None])


def test_ctc_batch_cost_and_gradient_match_tf2():
    y_pred = _t("ctc_y_pred").requires_grad_()
    cost = K.ctc_batch_cost(*_cost_arguments(y_pred))
    assert cost.shape == (3, 1)
    np.testing.assert_allclose(cost.detach().numpy(), TF2["ctc_cost"], rtol=1e-5, atol=1e-5)
    cost.sum().backward()
    np.testing.assert_allclose(y_pred.grad.numpy(), TF2["ctc_cost_grad"], rtol=1e-4, atol=1e-5)


def test_ctc_batch_cost_gradcheck():
    y_pred = torch.softmax(torch.randn(2, 4, 3, dtype=torch.float64), -1).requires_grad_()
    labels = torch.tensor([[0, 1], [1, 0]])
    assert torch.autograd.gradcheck(
        lambda p: K.ctc_batch_cost(labels, p, torch.tensor([[4], [3]]), torch.tensor([[2], [1]])),
        (y_pred,))


def test_ctc_batch_cost_errors():
    y_pred = _t("ctc_y_pred")
    with pytest.raises(ValueError, match="sample 2 has label_length 4 and input_length 3"):
        K.ctc_batch_cost(_t("ctc_labels"), y_pred, _t("ctc_input_length"),
                         torch.tensor([[4], [2], [4]]))
    with pytest.raises(ValueError, match=r"input_length of shape \(batch, 1\) = \(3, 1\)"):
        K.ctc_batch_cost(_t("ctc_labels"), y_pred, torch.tensor([8, 6, 3]),
                         _t("ctc_label_lengths")[:, None])


def test_ctc_decode_greedy_matches_tf2():
    decoded, log_prob = K.ctc_decode(_t("dec_y_pred"), _t("dec_lengths"))
    assert len(decoded) == 1 and decoded[0].dtype == torch.int64
    np.testing.assert_array_equal(decoded[0].numpy(), TF2["greedy_decoded"])
    np.testing.assert_allclose(log_prob.numpy(), TF2["greedy_log_prob"], rtol=1e-5)


@pytest.mark.parametrize("width, paths", [(2, 1), (4, 3), (100, 2)])
def test_ctc_decode_beam_search_matches_tf2(width, paths):
    decoded, log_prob = K.ctc_decode(_t("dec_y_pred"), _t("dec_lengths"), greedy=False,
                                     beam_width=width, top_paths=paths)
    assert len(decoded) == paths
    np.testing.assert_array_equal(torch.stack(decoded).numpy(),
                                  TF2[f"beam_{width}_{paths}_decoded"])
    np.testing.assert_allclose(log_prob.numpy(), TF2[f"beam_{width}_{paths}_log_prob"],
                               rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("width, paths", [(1, 1), (3, 2), (5, 3), (16, 3)])
def test_ctc_decode_narrow_beams_match_tf2(width, paths):
    # Which prefixes survive a narrow beam follows TensorFlow's growth and eviction order.
    decoded, log_prob = K.ctc_decode(_t("beam_y_pred"), _t("beam_lengths"), greedy=False,
                                     beam_width=width, top_paths=paths)
    np.testing.assert_array_equal(torch.stack(decoded).numpy(), TF2[f"beam_rand_{width}_decoded"])
    np.testing.assert_allclose(log_prob.numpy(), TF2[f"beam_rand_{width}_log_prob"], rtol=1e-5,
                               atol=1e-5)


def test_ctc_decode_errors():
    with pytest.raises(ValueError, match="top_paths <= beam_width"):
        K.ctc_decode(_t("dec_y_pred"), _t("dec_lengths"), greedy=False, beam_width=2, top_paths=3)
    with pytest.raises(ValueError, match=r"\(batch, time, classes\)"):
        K.ctc_decode(torch.zeros(3, 4), torch.tensor([4, 4, 4]))


# ------------------------------------------------------------------- symbolic
def test_ctc_batch_cost_and_in_top_k_on_keras_tensors():
    y_pred = keraton.Input((8, 5))
    labels = keraton.Input((4,), dtype="int32")
    input_length = keraton.Input((1,), dtype="int32")
    label_length = keraton.Input((1,), dtype="int32")
    cost = K.ctc_batch_cost(labels, y_pred, input_length, label_length)
    model = keraton.Model([labels, y_pred, input_length, label_length], cost)
    np.testing.assert_allclose(model(list(_cost_arguments(_t("ctc_y_pred")))).detach().numpy(),
                               TF2["ctc_cost"], rtol=1e-5, atol=1e-5)
    predictions = keraton.Input((5,))
    targets = keraton.Input((), dtype="int32")
    top = keraton.Model([predictions, targets], K.in_top_k(predictions, targets, 2))
    np.testing.assert_array_equal(top([_t("topk_predictions"), _t("topk_targets")]).numpy(),
                                  TF2["topk_2"])


def test_ctc_decode_and_rnn_on_keras_tensors():
    y_pred = keraton.Input((7, 5))
    lengths = keraton.Input((), dtype="int32")
    decoded, log_prob = K.ctc_decode(y_pred, lengths)
    model = keraton.Model([y_pred, lengths], [decoded[0], log_prob])
    got_decoded, got_log_prob = model([_t("dec_y_pred"), _t("dec_lengths")])
    np.testing.assert_array_equal(got_decoded.numpy(), TF2["greedy_decoded"])
    np.testing.assert_allclose(got_log_prob.numpy(), TF2["greedy_log_prob"], rtol=1e-5)

    sequences = keraton.Input((5, 4))
    h0 = keraton.Input((3,))
    last, outputs, _ = K.rnn(lambda i, s: _step(i, s), sequences, [h0])
    model = keraton.Model([sequences, h0], [last, outputs])
    got_last, got_outputs = model([_t("rnn_x"), _t("rnn_h0")])
    np.testing.assert_allclose(got_outputs.detach().numpy(), TF2["rnn_plain_outputs"],
                               rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(got_last.detach().numpy(), TF2["rnn_plain_last"], rtol=1e-5,
                               atol=1e-6)


def test_foldl_on_keras_tensors():
    elems = keraton.Input((3,))  # folds over the batch axis, as in tf.keras 2
    model = keraton.Model(elems, K.foldl(lambda a, r: 0.5 * a + r, elems))
    np.testing.assert_allclose(model(_t("elems")).detach().numpy(), TF2["foldl"], rtol=1e-6)
