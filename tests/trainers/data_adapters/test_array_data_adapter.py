"""ArrayDataAdapter: batches by slicing or permutation, sizes, errors."""

import pytest
import torch

from keraton.trainers.data_adapters import ArrayDataAdapter, get_data_adapter


def _data(n=10):
    x = torch.arange(n, dtype=torch.float32).reshape(n, 1)
    return x, x * 2, torch.ones(n)


@pytest.mark.parametrize("n,batch_size,expected", [(10, 3, [3, 3, 3, 1]), (10, 5, [5, 5]), (4, 32, [4])])
def test_batches_cover_data_in_order(n, batch_size, expected):
    x, y, sw = _data(n)
    adapter = ArrayDataAdapter(x, y, sw, batch_size=batch_size)
    batches = list(adapter.get_torch_iterator())
    assert [len(b[0]) for b in batches] == expected
    assert adapter.num_batches == len(expected)
    assert adapter.has_partial_batch == (n % batch_size != 0)
    assert torch.equal(torch.cat([b[0] for b in batches]), x)
    assert torch.equal(torch.cat([b[1] for b in batches]), y)


def test_shuffle_is_a_permutation_and_keeps_pairs():
    x, y, sw = _data(100)
    torch.manual_seed(0)
    batches = list(ArrayDataAdapter(x, y, sw, batch_size=7, shuffle=True).get_torch_iterator())
    xs = torch.cat([b[0] for b in batches])
    ys = torch.cat([b[1] for b in batches])
    assert not torch.equal(xs, x)
    assert torch.equal(xs.sort(dim=0).values, x)
    assert torch.equal(ys, xs * 2)


def test_batch_shuffle_keeps_batches_whole():
    x, y, _ = _data(12)
    torch.manual_seed(1)
    batches = list(ArrayDataAdapter(x, y, batch_size=4, shuffle="batch").get_torch_iterator())
    firsts = sorted(int(b[0][0, 0]) for b in batches)
    assert firsts == [0, 4, 8]
    for b in batches:
        assert torch.equal(b[0][:, 0], torch.arange(int(b[0][0, 0]), int(b[0][0, 0]) + 4).float())


def test_nested_inputs_are_packed_back():
    x = {"a": torch.zeros(6, 2), "b": torch.ones(6, 3)}
    y = [torch.zeros(6, 1), torch.ones(6, 1)]
    batch = next(iter(ArrayDataAdapter(x, y, batch_size=4).get_torch_iterator()))
    assert set(batch[0]) == {"a", "b"} and batch[0]["b"].shape == (4, 3)
    assert isinstance(batch[1], list) and batch[1][1].shape == (4, 1)
    assert len(batch) == 2  # packed as Keras does: (x, y) when there is no sample_weight


def test_mismatched_lengths_name_the_arrays():
    with pytest.raises(ValueError, match=r"x: 5, y: 4"):
        ArrayDataAdapter(torch.zeros(5, 1), torch.zeros(4, 1))


def test_bad_arguments():
    with pytest.raises(ValueError, match="batch_size"):
        ArrayDataAdapter(torch.zeros(5, 1), batch_size=-1)
    with pytest.raises(ValueError, match="shuffle"):
        ArrayDataAdapter(torch.zeros(5, 1), shuffle="yes")


def test_unknown_source_type_lists_supported_ones():
    with pytest.raises(TypeError, match="NumPy arrays, torch tensors"):
        get_data_adapter(object())
