"""The README's demo runs end to end on bundled data and writes its plot."""

import importlib.util
import os

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_digits_demo_trains_and_plots(tmp_path, capsys):
    pytest.importorskip("sklearn")
    pytest.importorskip("matplotlib")
    spec = importlib.util.spec_from_file_location("digits_demo", os.path.join(ROOT, "examples", "digits_demo.py"))
    demo = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(demo)
    accuracy = demo.main(out_dir=str(tmp_path), epochs=8)
    assert accuracy > 0.9
    png = tmp_path / "digits_training_curves.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    out = capsys.readouterr().out
    assert "Epoch 8/8" in out and "Test loss:" in out and 'Model: "sequential"' in out
