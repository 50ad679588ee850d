"""flow_from_dataframe against Keras 3's legacy (Keras 2) DataFrameIterator: identical batches."""

import sys
import warnings

import numpy as np
import pytest

pd = pytest.importorskip("pandas")

from keraton.preprocessing.image import ImageDataGenerator, array_to_img  # noqa: E402


@pytest.fixture
def legacy():
    pytest.importorskip("keras")
    from keras.src.legacy.preprocessing import image
    return image


@pytest.fixture
def frame(tmp_path):
    rng = np.random.default_rng(2)
    (tmp_path / "sub").mkdir()
    names = [f"sub/{i}.png" if i % 3 == 0 else f"{i}.png" for i in range(8)]
    for name in names:
        array_to_img(rng.uniform(0, 255, (9, 11, 3)), scale=False).save(tmp_path / name)
    (tmp_path / "notes.txt").write_text("not an image")
    df = pd.DataFrame({
        # Two invalid rows: a missing file and a file that is not an image.
        "filename": names + ["missing.png", "notes.txt"],
        "class": ["cat", "dog", "dog", "cat", "dog", "cat", "cat", "dog", "dog", "cat"],
        "tags": [["cat"], ["dog", "cat"], ("dog",), ["bird"], "cat", ["dog"], ["bird", "cat"],
                 "dog", ["cat"], ["dog"]],
        "score": np.linspace(0.0, 1.0, 10),
        "age": np.arange(10) * 3,
        "w": np.linspace(1.0, 2.0, 10),
    })
    return df, str(tmp_path)


def _both(legacy, frame, gen_kwargs, kwargs):
    df, directory = frame
    kwargs = {"directory": directory, "target_size": (6, 7), "batch_size": 3, "seed": 5, **kwargs}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours = ImageDataGenerator(**gen_kwargs).flow_from_dataframe(df, **kwargs)
        theirs = legacy.ImageDataGenerator(**gen_kwargs).flow_from_dataframe(df, **kwargs)
    return ours, theirs


def _assert_same_batches(ours, theirs):
    assert ours.filenames == theirs.filenames and ours.filepaths == theirs.filepaths
    assert len(ours) == len(theirs)
    for i in range(len(theirs)):
        a, b = ours[i], theirs[i]
        a, b = (a, b) if isinstance(a, tuple) else ((a,), (b,))
        assert len(a) == len(b)
        for u, v in zip(a, b):
            if isinstance(v, list):  # multi_output targets
                assert isinstance(u, list) and len(u) == len(v)
                for p, q in zip(u, v):
                    np.testing.assert_array_equal(p, q)
            else:
                assert np.asarray(u).dtype == np.asarray(v).dtype
                np.testing.assert_allclose(u, v, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("kwargs", [
    {"class_mode": "categorical"},
    {"class_mode": "categorical", "y_col": "tags"},
    {"class_mode": "categorical", "y_col": "tags", "classes": ["dog", "cat"]},
    {"class_mode": "binary", "color_mode": "grayscale"},
    {"class_mode": "sparse", "weight_col": "w"},
    {"class_mode": "raw", "y_col": "score"},
    {"class_mode": "raw", "y_col": ["score", "age"]},
    {"class_mode": "multi_output", "y_col": ["score", "age"], "weight_col": "w"},
    {"class_mode": "input"},
    {"class_mode": None, "shuffle": False},
])
@pytest.mark.parametrize("gen_kwargs", [{}, {"rotation_range": 20, "horizontal_flip": True,
                                             "rescale": 1 / 255}])
def test_flow_from_dataframe_matches_keras2(legacy, frame, kwargs, gen_kwargs):
    ours, theirs = _both(legacy, frame, gen_kwargs, kwargs)
    if kwargs["class_mode"] in ("categorical", "binary", "sparse"):
        assert ours.class_indices == theirs.class_indices
        assert ours.classes == theirs.classes
    _assert_same_batches(ours, theirs)


@pytest.mark.parametrize("subset", ["training", "validation"])
def test_subset_and_absolute_paths(legacy, frame, subset):
    df, directory = frame
    absolute = df.assign(filename=[f"{directory}/{f}" for f in df["filename"]])
    ours, theirs = _both(legacy, (absolute, None), {"validation_split": 0.25},
                         {"subset": subset, "directory": None})
    assert len(ours.filenames) == {"training": 6, "validation": 2}[subset]
    _assert_same_batches(ours, theirs)


def test_messages_invalid_files_and_labels(frame, capsys):
    df, directory = frame
    with pytest.warns(UserWarning, match='Found 2 invalid image filename\\(s\\) in x_col="filename"'):
        it = ImageDataGenerator().flow_from_dataframe(df, directory, target_size=(4, 4), shuffle=False)
    assert capsys.readouterr().out == "Found 8 validated image filenames belonging to 2 classes.\n"
    assert it.class_indices == {"cat": 0, "dog": 1}
    assert it.classes == [0, 1, 1, 0, 1, 0, 0, 1]
    x, y = it[0]
    assert x.shape == (8, 4, 4, 3) and x.dtype == np.float32
    np.testing.assert_array_equal(y, np.eye(2, dtype="float32")[[0, 1, 1, 0, 1, 0, 0, 1]])
    tags = ImageDataGenerator().flow_from_dataframe(df, directory, y_col="tags", target_size=(4, 4),
                                                    shuffle=False, validate_filenames=False)
    assert capsys.readouterr().out == "Found 10 non-validated image filenames belonging to 3 classes.\n"
    assert tags.class_indices == {"bird": 0, "cat": 1, "dog": 2}
    assert tags.classes[:4] == [[1], [2, 1], [2], [0]]
    with pytest.warns(UserWarning, match="`classes` will be ignored given the class_mode=\"raw\""):
        raw = ImageDataGenerator().flow_from_dataframe(df, directory, y_col="score", class_mode="raw",
                                                       classes=["cat"], target_size=(4, 4), shuffle=False)
    assert capsys.readouterr().out == "Found 8 validated image filenames.\n"
    np.testing.assert_allclose(raw[0][1], np.linspace(0.0, 1.0, 10)[:8])


@pytest.mark.parametrize("kwargs, error, match", [
    ({"class_mode": "multi"}, ValueError, "invalid class_mode: 'multi'"),
    ({"class_mode": "multi_output", "y_col": "score"}, TypeError, "y_col must be a list.*str"),
    ({"class_mode": "binary", "y_col": "tags"}, TypeError, "must be strings"),
    ({"class_mode": "binary", "classes": ["a", "b", "c"]}, ValueError, "2 classes. Found 3"),
    ({"class_mode": "categorical", "y_col": "score"}, TypeError, "string, list or tuple"),
    ({"weight_col": "class"}, TypeError, "weight_col='class' must be numeric"),
    ({"x_col": "age"}, TypeError, "x_col='age' must be strings"),
    ({"color_mode": "cmyk"}, ValueError, "Invalid color mode"),
    ({"subset": "test"}, ValueError, "Invalid subset name"),
    ({"shuffle_buffer": 3}, TypeError, "unexpected keyword arguments \\['shuffle_buffer'\\]"),
])
def test_bad_arguments(frame, kwargs, error, match):
    df, directory = frame
    with pytest.raises(error, match=match):
        ImageDataGenerator().flow_from_dataframe(df, directory, **kwargs)


def test_keras2_deprecated_arguments_and_not_a_dataframe(frame):
    df, directory = frame
    with pytest.warns(DeprecationWarning, match='class_mode="other"'), pytest.warns(
            DeprecationWarning, match="`has_ext` is deprecated"), pytest.warns(UserWarning):
        it = ImageDataGenerator().flow_from_dataframe(df, directory, y_col="age", class_mode="other",
                                                      has_ext=True, target_size=(4, 4), shuffle=False)
    assert it.class_mode == "raw" and it[0][1].tolist() == [0, 3, 6, 9, 12, 15, 18, 21]
    with pytest.raises(TypeError, match="must be a pandas DataFrame; got dict"):
        ImageDataGenerator().flow_from_dataframe(df.to_dict(), directory)


def test_missing_pandas_names_the_package(frame, monkeypatch):
    df, directory = frame
    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(ImportError, match="flow_from_dataframe needs pandas.*pip install pandas"):
        ImageDataGenerator().flow_from_dataframe(df, directory)


def test_fit_takes_the_iterator_with_sample_weights(frame):
    import keraton

    df, directory = frame
    with pytest.warns(UserWarning, match="invalid image filename"):
        it = ImageDataGenerator(rescale=1 / 255).flow_from_dataframe(
            df, directory, weight_col="w", target_size=(6, 7), batch_size=4, seed=0)
    x, y, w = it[0]
    assert x.shape == (4, 6, 7, 3) and y.shape == (4, 2) and w.dtype == np.float64
    model = keraton.Sequential([keraton.Input((6, 7, 3)), keraton.layers.Flatten(),
                                keraton.layers.Dense(2, activation="softmax")])
    model.compile(optimizer="sgd", loss="categorical_crossentropy")
    history = model.fit(it, epochs=2, verbose=0).history
    assert len(history["loss"]) == 2 and np.isfinite(history["loss"]).all()
