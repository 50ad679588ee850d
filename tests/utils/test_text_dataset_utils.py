"""text_dataset_from_directory: classes, labels, truncation, splits."""

import numpy as np
import pytest

from keraton.utils import text_dataset_from_directory


@pytest.fixture
def text_dir(tmp_path):
    root = tmp_path / "texts"
    for cls in ["neg", "pos"]:
        (root / cls).mkdir(parents=True)
        for i in range(5):
            (root / cls / f"{i}.txt").write_text(f"{cls} review number {i}")
    return str(root)


def _collect(ds):
    xs, ys = zip(*[ds[i] for i in range(len(ds))])
    return np.concatenate(xs), np.concatenate(ys)


def test_text_dataset(text_dir):
    ds = text_dataset_from_directory(text_dir, batch_size=4, shuffle=False, max_length=10,
                                     verbose=False)
    x, y = _collect(ds)
    assert ds.class_names == ["neg", "pos"] and y.tolist() == [0] * 5 + [1] * 5
    assert x[0] == "neg review" and x[7] == "pos review" and len(ds) == 3
    train, val = text_dataset_from_directory(text_dir, validation_split=0.3, subset="both", seed=2,
                                             label_mode="binary", verbose=False)
    assert len(train.file_paths) == 7 and len(val.file_paths) == 3 and train[0][1].shape == (7, 1)
    texts = text_dataset_from_directory(text_dir, labels=None, shuffle=False, verbose=False)[0]
    assert texts[3] == "neg review number 3"


def test_text_dataset_order_matches_keras_index(text_dir):
    pytest.importorskip("keras")
    from keras.src.utils.dataset_utils import index_directory
    ds = text_dataset_from_directory(text_dir, seed=9, verbose=False)
    paths, labels, _ = index_directory(text_dir, "inferred", (".txt",), shuffle=True, seed=9,
                                       verbose=False)
    assert ds.file_paths == paths
    np.testing.assert_array_equal(ds[0][1], labels)
    assert [open(p).read() for p in paths] == list(ds[0][0])


@pytest.mark.parametrize("kwargs,match", [
    ({"label_mode": "sparse"}, "label_mode"), ({"labels": "folders"}, "should be a list/tuple"),
    ({"labels": [0, 1]}, "lengths"),
])
def test_text_bad_arguments(text_dir, kwargs, match):
    with pytest.raises(ValueError, match=match):
        text_dataset_from_directory(text_dir, verbose=False, **kwargs)


def test_explicit_label_array(text_dir):
    labels = np.array([3, 1, 3, 1, 3, 1, 3, 1, 3, 1])
    ds = text_dataset_from_directory(text_dir, labels=labels, shuffle=False, verbose=False)
    assert ds.class_names == ["1", "3"]
    np.testing.assert_array_equal(ds[0][1], labels)
