"""audio_dataset_from_directory: WAV decoding, padding/cropping, labels, splits, errors."""

import wave

import numpy as np
import pytest

from keraton.utils.audio_dataset_utils import audio_dataset_from_directory, read_wav


def _write_wav(path, samples, rate=16000):
    samples = np.asarray(samples, dtype="<i2")
    if samples.ndim == 1:
        samples = samples[:, None]
    with wave.open(str(path), "wb") as f:
        f.setnchannels(samples.shape[1])
        f.setsampwidth(2)
        f.setframerate(rate)
        f.writeframes(samples.tobytes())


@pytest.fixture
def audio_dir(tmp_path):
    """Two classes of 3 mono clips; clip i of class c has 4 + i samples, all equal to 1000 * c + i."""
    root = tmp_path / "audio"
    for c, cls in enumerate(["no", "yes"]):
        (root / cls).mkdir(parents=True)
        for i in range(3):
            _write_wav(root / cls / f"{i}.wav", np.full(4 + i, 1000 * c + i))
        (root / cls / "notes.txt").write_text("not audio")
    return root


def _collect(ds):
    xs, ys = zip(*[ds[i] for i in range(len(ds))])
    return xs, np.concatenate(ys)


def test_read_wav_matches_decode_wav_rule(tmp_path):
    data = np.array([[0, -32768], [32767, 16384], [-1, 7]])
    _write_wav(tmp_path / "s.wav", data, rate=8000)
    audio, rate = read_wav(tmp_path / "s.wav")
    assert rate == 8000 and audio.dtype == np.float32 and audio.shape == (3, 2)
    np.testing.assert_array_equal(audio, data / 32768.0)
    cut, _ = read_wav(tmp_path / "s.wav", desired_samples=2)
    padded, _ = read_wav(tmp_path / "s.wav", desired_samples=5)
    np.testing.assert_array_equal(cut, data[:2] / 32768.0)
    np.testing.assert_array_equal(padded[3:], 0.0)
    np.testing.assert_array_equal(padded[:3], data / 32768.0)


def test_batches_padded_to_longest_clip(audio_dir):
    ds = audio_dataset_from_directory(audio_dir, batch_size=4, shuffle=False, verbose=False)
    assert ds.class_names == ["no", "yes"] and len(ds) == 2
    (x0, x1), y = _collect(ds)
    assert y.dtype == np.int32 and y.tolist() == [0, 0, 0, 1, 1, 1]
    assert x0.shape == (4, 6, 1) and x1.shape == (2, 6, 1) and x0.dtype == np.float32
    # clip "yes/0": 4 samples of 1000, then zero padding to the batch's longest (6).
    np.testing.assert_allclose(x0[3, :, 0], [1000 / 32768] * 4 + [0, 0])
    np.testing.assert_allclose(x0[2, :, 0], [2 / 32768] * 6)


@pytest.mark.parametrize("length", [3, 7])
def test_output_sequence_length_crops_or_pads(audio_dir, length):
    ds = audio_dataset_from_directory(audio_dir, batch_size=None, shuffle=False,
                                      output_sequence_length=length, label_mode="categorical",
                                      verbose=False)
    x, y = ds[4]
    assert x.shape == (length, 1)
    expected = np.zeros(length)
    expected[:min(length, 5)] = 1001 / 32768
    np.testing.assert_allclose(x[:, 0], expected)
    np.testing.assert_array_equal(y, [0.0, 1.0])


def test_ragged_gives_clips_of_own_length(audio_dir):
    ds = audio_dataset_from_directory(audio_dir, batch_size=3, shuffle=False, ragged=True,
                                      label_mode=None, verbose=False)
    clips = ds[0]
    assert [c.shape for c in clips] == [(4, 1), (5, 1), (6, 1)]


def test_order_and_split_match_keras_index(audio_dir):
    pytest.importorskip("keras")
    from keras.src.utils.dataset_utils import get_training_or_validation_split, index_directory
    train, val = audio_dataset_from_directory(audio_dir, validation_split=0.34, subset="both",
                                              seed=5, label_mode="binary", verbose=False)
    paths, labels, _ = index_directory(str(audio_dir), "inferred", (".wav",), shuffle=True, seed=5,
                                       verbose=False)
    train_paths, train_labels = get_training_or_validation_split(paths, labels, 0.34, "training")
    val_paths, _ = get_training_or_validation_split(paths, labels, 0.34, "validation")
    assert train.file_paths == train_paths and val.file_paths == val_paths
    assert len(train.file_paths) == 4 and len(val.file_paths) == 2
    y = train[0][1]
    assert y.dtype == np.float32 and y.shape == (4, 1)
    np.testing.assert_array_equal(y[:, 0], train_labels)


def test_explicit_labels_and_fit(audio_dir):
    import keraton

    ds = audio_dataset_from_directory(audio_dir, labels=[1, 0, 1, 0, 1, 0], shuffle=False,
                                      output_sequence_length=6, batch_size=2, verbose=False)
    assert ds.class_names == ["0", "1"]
    model = keraton.Sequential([keraton.Input((6, 1)), keraton.layers.Flatten(),
                                keraton.layers.Dense(2, activation="softmax")])
    model.compile("sgd", "sparse_categorical_crossentropy")
    history = model.fit(ds, epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][0])


def test_sampling_rate_resamples(tmp_path):
    pytest.importorskip("scipy")
    _write_wav(tmp_path / "a.wav", np.full(40, 3000), rate=16000)
    ds = audio_dataset_from_directory(tmp_path, labels=None, sampling_rate=8000, shuffle=False,
                                      verbose=False)
    x = ds[0]
    assert x.shape == (1, 20, 1)
    np.testing.assert_allclose(x[0, 5:15, 0], 3000 / 32768, rtol=0.05)


def test_rejects_non_16_bit(tmp_path):
    (tmp_path / "a").mkdir()
    with wave.open(str(tmp_path / "a" / "x.wav"), "wb") as f:
        f.setnchannels(1)
        f.setsampwidth(1)
        f.setframerate(8000)
        f.writeframes(bytes(10))
    ds = audio_dataset_from_directory(tmp_path, verbose=False)
    with pytest.raises(ValueError, match="16-bit"):
        ds[0]


@pytest.mark.parametrize("kwargs,match", [
    ({"labels": "folders"}, "should be a list/tuple"),
    ({"labels": [0, 1, 0, 1, 0, 1], "class_names": ["a"]}, "only pass `class_names`"),
    ({"label_mode": "sparse"}, "label_mode"),
    ({"ragged": True, "output_sequence_length": 5}, "Cannot set both"),
    ({"sampling_rate": 1.5}, "integer value"),
    ({"sampling_rate": 0}, "higher than 0"),
    ({"validation_split": 0.2}, "`subset` is set"),
    ({"validation_split": 0.2, "subset": "training"}, "seed"),
    ({"labels": [0, 1, 2, 0, 1, 2], "label_mode": "binary"}, "exactly 2"),
    ({"labels": [0, 1]}, "lengths"),
    ({"class_names": ["maybe"]}, "class_names"),
])
def test_bad_arguments(audio_dir, kwargs, match):
    with pytest.raises(ValueError, match=match):
        audio_dataset_from_directory(audio_dir, verbose=False, **kwargs)


def test_empty_directory(tmp_path):
    (tmp_path / "a").mkdir()
    with pytest.raises(ValueError, match="No audio files found"):
        audio_dataset_from_directory(tmp_path, verbose=False)
