"""plot_history: one panel per metric with train and validation curves, saved as PNG."""

import numpy as np
import pytest

import keraton

pytest.importorskip("matplotlib")


def test_plot_history_from_fit_writes_png(tmp_path):
    model = keraton.Sequential([keraton.Input((2,)), keraton.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse", metrics=["mae"])
    x = np.random.default_rng(0).normal(size=(20, 2)).astype("float32")
    history = model.fit(x, x[:, :1], epochs=3, validation_split=0.25, verbose=0)
    path = tmp_path / "history.png"
    figure = keraton.utils.plot_history(history, to_file=str(path))
    assert path.read_bytes().startswith(b"\x89PNG")
    assert [axes.get_title() for axes in figure.axes] == ["loss", "mae"]
    lines = figure.axes[0].get_lines()
    assert [line.get_label() for line in lines] == ["loss", "val_loss"]
    np.testing.assert_allclose(lines[0].get_ydata(), history.history["loss"])
    np.testing.assert_array_equal(lines[0].get_xdata(), [1, 2, 3])


def test_plot_history_selected_metrics_and_errors():
    logs = {"loss": [3.0, 2.0], "acc": [0.5, 0.75]}
    figure = keraton.utils.plot_history(logs, metrics="acc")
    assert len(figure.axes) == 1
    np.testing.assert_allclose(figure.axes[0].get_lines()[0].get_ydata(), [0.5, 0.75])
    with pytest.raises(ValueError, match=r"metrics \['auc'\] are not in the history; available: \['loss', 'acc'\]"):
        keraton.utils.plot_history(logs, metrics=["auc"])
    with pytest.raises(TypeError, match="plot_history expects a History or a dict of lists; received list"):
        keraton.utils.plot_history([1, 2])
