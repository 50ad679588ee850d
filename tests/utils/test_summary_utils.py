"""model.summary(): the table lines compared with what real Keras 3 prints for the same model."""

import re

import pytest
import torch

import keraton
from keraton.utils.summary_utils import readable_memory_size


@pytest.fixture(autouse=True)
def terminal_width(monkeypatch):
    """Both Keras and keraton size the table from the terminal; pin it to 80 columns."""
    monkeypatch.setenv("COLUMNS", "80")


def _ours(model, **kwargs) -> list:
    lines = []
    model.summary(print_fn=lines.append, **kwargs)
    return lines


def _theirs(model, **kwargs) -> list:
    chunks = []
    model.summary(print_fn=lambda text, **_: chunks.append(text), **kwargs)
    return "".join(chunks).rstrip("\n").split("\n")


def _rows(lines) -> list:
    """The table body as a list of [cells] (a cell wrapped on several lines is joined)."""
    rows, current = [], None
    for line in lines:
        if line.startswith("│"):
            cells = [c.strip() for c in line.strip("│").split("│")]
            if current is not None and cells[0] == "" or (current is not None and not cells[2]):
                current = [(a + " " + b).strip() for a, b in zip(current, cells)]
                rows[-1] = current
            else:
                current = cells
                rows.append(current)
        elif line.startswith("├") or line.startswith("└"):
            current = None
    return rows


def _totals(lines) -> dict:
    out = {}
    for line in lines:
        m = re.match(r" (Total|Trainable|Non-trainable|Optimizer) params: ([\d,]+) \((.*)\)", line)
        if m:
            out[m.group(1)] = (int(m.group(2).replace(",", "")), m.group(3))
    return out


def _sequential(K):
    L = K.layers
    return K.Sequential([K.Input((8,)), L.Dense(16, activation="relu"), L.Dropout(0.5),
                         L.Dense(300), L.Reshape((30, 10)), L.Flatten(), L.Dense(1)])


def _functional(K):
    L = K.layers
    a = K.Input((3,), name="a")
    b = K.Input((2,), name="b")
    shared = L.Dense(4, name="shared")
    merged = shared(a) + shared(L.Dense(3, name="proj")(b))
    out = L.Dense(2, name="out")(merged * 2.0 - merged[:, 0:1])
    return K.Model([a, b], out, name="two_inputs")


def _chain(K):
    x = K.Input((5,), name="x")
    return K.Model(x, K.layers.Dense(2, name="d2")(K.layers.Dense(3, name="d1")(x)), name="chain")


MODELS = {"sequential": _sequential, "functional": _functional, "chain": _chain}


def _pair(kind):
    keras = pytest.importorskip("keras")
    keras.backend.clear_session()
    return MODELS[kind](keraton), MODELS[kind](keras)


@pytest.mark.parametrize("kind", list(MODELS))
def test_lines_equal_keras(kind):
    ours, theirs = _pair(kind)
    assert _ours(ours) == _theirs(theirs)


@pytest.mark.parametrize("kind", list(MODELS))
def test_parsed_table_equals_keras(kind):
    ours, theirs = _pair(kind)
    our_lines, their_lines = _ours(ours), _theirs(theirs)
    assert our_lines[0] == their_lines[0] == f'Model: "{ours.name}"'
    header = [c.strip() for c in our_lines[2].strip("┃").split("┃")]
    expected = ["Layer (type)", "Output Shape", "Param #"]
    assert header == (expected if kind != "functional" else expected + ["Connected to"])
    assert _rows(our_lines) == _rows(their_lines)
    assert _totals(our_lines) == _totals(their_lines)


def test_sequential_rows_and_totals_by_hand():
    model = _sequential(keraton)
    rows = _rows(_ours(model))
    assert rows[0] == ["dense (Dense)", "(None, 16)", "144"]
    assert rows[2] == ["dense_1 (Dense)", "(None, 300)", "5,100"]
    assert rows[3] == ["reshape (Reshape)", "(None, 30, 10)", "0"]
    total = 144 + 5100 + 301
    assert _totals(_ours(model)) == {
        "Total": (total, readable_memory_size(4 * total)),
        "Trainable": (total, readable_memory_size(4 * total)),
        "Non-trainable": (0, "0.00 B"),
    }
    assert readable_memory_size(4 * total) == "21.66 KB"  # 22,180 bytes


def test_functional_connections():
    rows = _rows(_ours(_functional(keraton)))
    by_name = {r[0].split(" ")[0]: r for r in rows}
    assert by_name["a"][3] == "-"
    assert by_name["shared"][3] == "a[0][0], proj[0][0]"
    assert by_name["add"][3] == "shared[0][0], shared[1][0]"
    assert by_name["shared"][1] == "(None, 4)"


def test_non_trainable_and_show_trainable():
    keras = pytest.importorskip("keras")
    keras.backend.clear_session()
    ours, theirs = _sequential(keraton), _sequential(keras)
    ours.layers[0].trainable = False
    theirs.layers[0].trainable = False
    our_lines = _ours(ours, show_trainable=True)
    assert our_lines == _theirs(theirs, show_trainable=True)
    assert _totals(our_lines)["Non-trainable"] == (144, "576.00 B")
    assert _rows(our_lines)[0][-1] == "N" and _rows(our_lines)[1][-1] == "-"


def test_wide_terminal_equal_keras(monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    for kind in MODELS:
        ours, theirs = _pair(kind)
        our_lines = _ours(ours)
        assert our_lines == _theirs(theirs)
        assert len(our_lines[1]) == (88 if kind != "functional" else 108)


def test_explicit_line_length_equal_keras():
    ours, theirs = _pair("chain")
    lines = _ours(ours, line_length=70)
    assert len(lines[1]) == 70
    assert lines == _theirs(theirs, line_length=70)


def test_unbuilt_model():
    keras = pytest.importorskip("keras")
    keras.backend.clear_session()
    ours = keraton.Sequential([keraton.layers.Dense(3), keraton.layers.Dense(2)])
    theirs = keras.Sequential([keras.layers.Dense(3), keras.layers.Dense(2)])
    lines = _ours(ours)
    assert lines == _theirs(theirs)
    assert _rows(lines) == [["dense (Dense)", "?", "0 (unbuilt)"],
                            ["dense_1 (Dense)", "?", "0 (unbuilt)"]]
    assert _totals(lines)["Total"] == (0, "0.00 B")


def test_subclassed_model_param_counts_equal_keras():
    keras = pytest.importorskip("keras")

    def make(K):
        class Two(K.Model):
            def __init__(self):
                super().__init__(name="two")
                self.d1 = K.layers.Dense(3)
                self.d2 = K.layers.Dense(2)

            def call(self, x):
                return self.d2(self.d1(x))

        return Two()

    keras.backend.clear_session()
    ours, theirs = make(keraton), make(keras)
    assert _ours(ours) == _theirs(theirs)  # unbuilt: identical
    ours(torch.ones(2, 4))
    theirs(torch.ones(2, 4).numpy())
    our_rows, their_rows = _rows(_ours(ours)), _rows(_theirs(theirs))
    assert [r[2] for r in our_rows] == [r[2] for r in their_rows] == ["15", "8"]
    # Keras shows the batch size of the building call; keraton shows the batch as None.
    assert [r[1] for r in our_rows] == ["(None, 3)", "(None, 2)"]
    assert [r[1] for r in their_rows] == ["(2, 3)", "(2, 2)"]
    assert _totals(_ours(ours)) == _totals(_theirs(theirs))


def test_layer_range_and_default_print(capsys):
    model = _chain(keraton)
    rows = _rows(_ours(model, layer_range=("d1", "d2")))
    assert [r[0] for r in rows] == ["d1 (Dense)", "d2 (Dense)"]
    model.summary()
    printed = capsys.readouterr().out
    assert printed.startswith('Model: "chain"\n')
    assert " Total params: 26 (104.00 B)" in printed


def test_long_names_wrap_like_keras():
    keras = pytest.importorskip("keras")

    def make(K):
        x = K.Input((2,), name="x")
        y = K.layers.Dense(1, name="a_rather_long_layer_name_that_wraps")(x)
        z = K.layers.Dense(1, name="an_even_longer_layer_name_with_no_spaces_at_all_x")(y)
        return (K.Sequential([K.Input((2,)), K.layers.Dense(1, name="short")], name="seq"),
                K.Model(x, z, name="fn"))

    keras.backend.clear_session()
    for ours, theirs in zip(make(keraton), make(keras)):
        assert _ours(ours) == _theirs(theirs)


@pytest.mark.parametrize(
    "size,text",
    [(0, "0.00 B"), (8, "8.00 B"), (1023, "1023.00 B"), (1024, "1.00 KB"), (1536, "1.50 KB"),
     (2 * 1024 ** 2, "2.00 MB"), (3 * 1024 ** 3, "3.00 GB")],
)
def test_readable_memory_size(size, text):
    assert readable_memory_size(size) == text


def _nested(K):
    inner = K.Sequential([K.Input((10,)), K.layers.Dense(4, name="d4"), K.layers.Dense(2, name="d2")],
                         name="inner")
    inner.layers[0].trainable = False
    x = K.Input((10,), name="x")
    return K.Model(x, K.layers.Dense(1, name="head")(inner(x)), name="outer")


def _nested_functional(K):
    a = K.Input((3,), name="a")
    b = K.Input((3,), name="b")
    core_in = K.Input((3,), name="core_in")
    core = K.Model(core_in, K.layers.Dense(2, name="core_dense")(core_in), name="core")
    added = K.layers.Add(name="add")([core(a), core(b)])
    return K.Model([a, b], added, name="siamese")


@pytest.mark.parametrize("make", [_nested, _nested_functional])
@pytest.mark.parametrize("kwargs", [{"expand_nested": True}, {"expand_nested": True, "show_trainable": True}])
def test_expand_nested_lines_equal_keras(make, kwargs):
    """Nested models' layers listed under them, indented and marked with └, as Keras 3 prints."""
    keras = pytest.importorskip("keras")
    keras.backend.clear_session()
    ours, theirs = make(keraton), make(keras)
    assert _ours(ours, **kwargs) == _theirs(theirs, **kwargs)
    assert any("   └ " in line for line in _ours(ours, **kwargs))


@pytest.mark.parametrize("trained", [False, True])
def test_parameter_footer_counts_the_optimizer_as_keras(trained):
    keras = pytest.importorskip("keras")
    import numpy as np

    footers = []
    for lib in (keraton, keras):
        model = lib.Sequential([lib.Input((3,)), lib.layers.Dense(2)])
        model.compile(lib.optimizers.Adam(0.01), "mse")
        if trained:
            model.fit(np.ones((4, 3), "float32"), np.ones((4, 2), "float32"), verbose=0)
        lines = _ours(model) if lib is keraton else _theirs(model)
        footers.append([line.strip() for line in lines if "params:" in line])
    assert footers[0] == footers[1]
    assert any("Optimizer params: 18" in line for line in footers[0]) == trained
