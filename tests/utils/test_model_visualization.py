"""plot_model/model_to_dot: the DOT text (nodes, edges, labels), missing-dependency errors, files."""

import re
import shutil

import pytest

import keraton
from keraton.utils import model_visualization
from keraton.utils.model_visualization import model_to_dot_source


def branching_model():
    inputs = keraton.Input((4,), name="x")
    a = keraton.layers.Dense(3, activation="relu", name="d1")(inputs)
    b = keraton.layers.Dense(3, name="d2", trainable=False)(inputs)
    outputs = keraton.layers.Add(name="add")([a, b])
    return keraton.Model(inputs, outputs, name="branchy")


def nodes_and_edges(source):
    nodes = dict(re.findall(r"^\s*(\d+) \[label=<(.*)>\];$", source, flags=re.M))
    names = {node: re.search(r"<b>([^<]*)</b>", label).group(1) for node, label in nodes.items()}
    edges = [(names[a], names[b]) for a, b in re.findall(r"^\s*(\d+) -> (\d+);$", source, flags=re.M)]
    return nodes, names, edges


def test_functional_graph_nodes_edges_and_shapes():
    source = model_to_dot_source(branching_model(), show_shapes=True, rankdir="LR", dpi=96)
    assert source.startswith('digraph "branchy" {\n  graph [rankdir=LR, concentrate=true, dpi=96];')
    nodes, names, edges = nodes_and_edges(source)
    assert sorted(names.values()) == ["add (Add)", "d1 (Dense)", "d2 (Dense)", "x (InputLayer)"]
    assert sorted(edges) == [("d1 (Dense)", "add (Add)"), ("d2 (Dense)", "add (Add)"),
                             ("x (InputLayer)", "d1 (Dense)"), ("x (InputLayer)", "d2 (Dense)")]
    add_label = next(label for node, label in nodes.items() if names[node] == "add (Add)")
    assert "Input shape: [(None, 3), (None, 3)]" in add_label and "Output shape: (None, 3)" in add_label


@pytest.mark.parametrize("option, present, absent", [
    ({"show_layer_names": False}, "<b>Dense</b>", "d1 (Dense)"),
    ({"show_layer_activations": True}, "<b>d1 (Dense) [relu]</b>", "Output shape"),
    ({"show_dtype": True}, "Output dtype: float32", "Trainable"),
    ({"show_trainable": True}, "Trainable: NT", "Output dtype"),
])
def test_label_options(option, present, absent):
    source = model_to_dot_source(branching_model(), **option)
    assert present in source and absent not in source


def test_sequential_chain_and_expand_nested():
    inner = keraton.Sequential([keraton.Input((3,)), keraton.layers.Dense(2, name="a"),
                                keraton.layers.Dense(2, name="b")], name="inner")
    inputs = keraton.Input((3,), name="in")
    outer = keraton.Model(inputs, keraton.layers.Dense(1, name="head")(inner(inputs)), name="outer")
    _, _, edges = nodes_and_edges(model_to_dot_source(outer))
    assert edges == [("in (InputLayer)", "inner (Sequential)"), ("inner (Sequential)", "head (Dense)")]
    source = model_to_dot_source(outer, expand_nested=True)
    assert 'subgraph cluster_' in source and 'label="inner";' in source
    _, _, edges = nodes_and_edges(source)
    assert ("a (Dense)", "b (Dense)") in edges
    assert ("in (InputLayer)", "a (Dense)") in edges and ("b (Dense)", "head (Dense)") in edges


def test_bad_arguments():
    with pytest.raises(ValueError, match="plot_model: rankdir must be one of.*'XY'"):
        model_to_dot_source(branching_model(), rankdir="XY")
    with pytest.raises(TypeError, match="plot_model expects a keraton Model; received Dense"):
        model_to_dot_source(keraton.layers.Dense(2))


def test_missing_pydot_or_dot_names_them(monkeypatch, tmp_path):
    import builtins

    real_import = builtins.__import__

    def no_pydot(name, *args, **kwargs):
        if name == "pydot":
            raise ImportError("No module named 'pydot'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_pydot)
    with pytest.raises(ImportError, match="pydot package.*pip install pydot.*Graphviz"):
        keraton.utils.plot_model(branching_model(), str(tmp_path / "m.png"))
    monkeypatch.setattr(builtins, "__import__", real_import)
    monkeypatch.setattr(model_visualization.shutil, "which", lambda name: None)
    with pytest.raises(ImportError, match="Graphviz's `dot` program.*apt-get install graphviz"):
        model_visualization._require_dot("plot_model")


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot program is not installed")
@pytest.mark.parametrize("extension, magic", [("png", b"\x89PNG"), ("svg", b"<?xml")])
def test_plot_model_writes_files(tmp_path, extension, magic):
    pytest.importorskip("pydot")
    path = tmp_path / f"model.{extension}"
    keraton.utils.plot_model(branching_model(), str(path), show_shapes=True)
    assert path.read_bytes().startswith(magic)


FAKE_DOT = '''#!{python}
"""A stand-in for Graphviz's dot: records its arguments and input, prints a fixed image."""
import json, pathlib, sys
here = pathlib.Path(__file__).parent
fmt = next(a[2:] for a in sys.argv[1:] if a.startswith("-T"))
(here / "call.json").write_text(json.dumps({{"args": sys.argv[1:],
                                            "source": pathlib.Path(sys.argv[-1]).read_text()}}))
sys.stdout.buffer.write((here / ("image." + fmt)).read_bytes())
'''


@pytest.fixture
def fake_dot(tmp_path, monkeypatch):
    """A fake ``dot`` first on PATH, so plot_model's pydot path runs without Graphviz."""
    import os
    import sys

    Image = pytest.importorskip("PIL.Image")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    script = bin_dir / "dot"
    script.write_text(FAKE_DOT.format(python=sys.executable))
    script.chmod(0o755)
    Image.new("RGB", (2, 1), (255, 0, 0)).save(bin_dir / "image.png")
    (bin_dir / "image.svg").write_text('<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" '
                                       'width="2" height="1"></svg>\n')
    monkeypatch.setenv("PATH", str(bin_dir) + os.pathsep + os.environ.get("PATH", ""))
    return bin_dir


@pytest.mark.parametrize("extension", ["png", "svg"])
def test_plot_model_through_pydot_with_a_fake_dot(tmp_path, fake_dot, extension):
    import json

    pytest.importorskip("pydot")
    path = tmp_path / f"model.{extension}"
    keraton.utils.plot_model(branching_model(), str(path), show_shapes=True, rankdir="LR", dpi=72)
    # The file is what `dot` printed, and `dot` got the graph keraton built, in the right format.
    assert path.read_bytes() == (fake_dot / f"image.{extension}").read_bytes()
    call = json.loads((fake_dot / "call.json").read_text())
    assert call["args"][0] == f"-T{extension}"
    assert "rankdir=LR" in call["source"] and "dpi=72" in call["source"]
    _, names, edges = nodes_and_edges(model_to_dot_source(branching_model(), show_shapes=True,
                                                           rankdir="LR", dpi=72))
    for name in names.values():
        assert f"<b>{name}</b>" in call["source"]
    assert call["source"].count("->") == len(edges) == 4
    if extension == "png":
        from PIL import Image

        with Image.open(path) as image:
            assert image.size == (2, 1)


def test_plot_model_without_pydot_names_it(monkeypatch, tmp_path):
    monkeypatch.setitem(__import__("sys").modules, "pydot", None)
    with pytest.raises(ImportError, match="requires the pydot package.*pip install pydot"):
        keraton.utils.plot_model(branching_model(), str(tmp_path / "m.svg"))
    assert not (tmp_path / "m.svg").exists()
