"""CSVLogger in a real fit: the file's exact content, append mode, and rows
surviving a crash."""

import csv

import pytest
from callback_fit_utils import build_model, make_data

from keraton.callbacks import CSVLogger, LambdaCallback


def _read(path, sep=","):
    with open(path, newline="") as f:
        return list(csv.reader(f, delimiter=sep))


def test_rows_per_epoch_with_validation(tmp_path):
    path = tmp_path / "log.csv"
    x, y = make_data()
    model = build_model(metrics=["mae"])
    history = model.fit(x, y, epochs=3, batch_size=16, validation_data=(x[:8], y[:8]),
                        verbose=0, callbacks=[CSVLogger(str(path))])
    rows = _read(path)
    assert rows[0] == ["epoch", "loss", "mae", "val_loss", "val_mae"]
    assert len(rows) == 4
    for epoch, row in enumerate(rows[1:]):
        assert row[0] == str(epoch)
        values = [float(v) for v in row[1:]]
        assert values == [history.history[k][epoch] for k in rows[0][1:]]


def test_without_validation_adds_na_val_columns_and_separator(tmp_path):
    path = tmp_path / "log.tsv"
    x, y = make_data()
    history = build_model().fit(x, y, epochs=2, verbose=0,
                                callbacks=[CSVLogger(str(path), separator="\t")])
    with open(path, newline="") as f:
        text = f.read()
    losses = history.history["loss"]
    assert text == (f"epoch\tloss\tval_loss\n0\t{losses[0]!r}\tNA\n"
                    f"1\t{losses[1]!r}\tNA\n").replace("\n", "\r\n")


def test_matches_keras_file(tmp_path):
    keras = pytest.importorskip("keras")
    x, y = make_data()
    model = build_model(keras_mod=keras, metrics=["mae"])
    model.fit(x, y, epochs=2, validation_split=0.25, verbose=0,
              callbacks=[keras.callbacks.CSVLogger(str(tmp_path / "k.csv"))])
    build_model(metrics=["mae"]).fit(x, y, epochs=2, validation_split=0.25, verbose=0,
                                     callbacks=[CSVLogger(str(tmp_path / "t.csv"))])
    keras_rows, rows = _read(tmp_path / "k.csv"), _read(tmp_path / "t.csv")
    assert rows[0] == keras_rows[0] == ["epoch", "loss", "mae", "val_loss", "val_mae"]
    assert [r[0] for r in rows] == [r[0] for r in keras_rows] == ["epoch", "0", "1"]
    with open(tmp_path / "k.csv", "rb") as k, open(tmp_path / "t.csv", "rb") as t:
        assert k.read().count(b"\r\n") == t.read().count(b"\r\n") == 3


@pytest.mark.parametrize("append, expected_rows", [(True, 5), (False, 3)])
def test_append(tmp_path, append, expected_rows):
    path = str(tmp_path / "log.csv")
    x, y = make_data()
    model = build_model()
    model.fit(x, y, epochs=2, verbose=0, callbacks=[CSVLogger(path)])
    model.fit(x, y, epochs=2, verbose=0, callbacks=[CSVLogger(path, append=append)])
    rows = _read(path)
    assert len(rows) == expected_rows
    assert rows[0] == ["epoch", "loss", "val_loss"]
    assert [r[0] for r in rows[1:]] == (["0", "1", "0", "1"] if append else ["0", "1"])


def test_rows_written_before_a_crash_are_complete(tmp_path):
    path = str(tmp_path / "log.csv")
    x, y = make_data()

    def crash(epoch, logs):
        if epoch == 2:
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        build_model().fit(x, y, epochs=5, verbose=0,
                          callbacks=[LambdaCallback(on_epoch_begin=crash), CSVLogger(path)])
    rows = _read(path)
    assert [r[0] for r in rows] == ["epoch", "0", "1"]
    assert all(len(r) == 3 for r in rows)
    with open(path, newline="") as f:
        assert f.read().endswith("NA\r\n")
