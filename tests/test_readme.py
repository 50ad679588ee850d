"""The README's Python examples run as written (so the README stays true)."""

import os
import re

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_readme_python_examples_run(tmp_path, monkeypatch, capsys):
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as f:
        blocks = re.findall(r"```python\n(.*?)```", f.read(), re.S)
    assert len(blocks) >= 3
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    for block in blocks:
        exec(compile(block, "README.md", "exec"), namespace)  # noqa: S102 - our own README
        if "def train_step" in block:
            assert len(namespace["model"].history.history["loss"]) == 3
    assert (tmp_path / "best.keras").exists()
    assert (tmp_path / "training.csv").read_text().startswith("epoch,")
    assert (tmp_path / "model.keras").exists()
    assert namespace["classes"].shape == (5,) and len(namespace["score"]) == 2
