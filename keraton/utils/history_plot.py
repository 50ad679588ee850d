"""``plot_history``: the loss and metric curves of a ``fit`` History, drawn with matplotlib."""


def plot_history(history, metrics=None, to_file=None):
    """Plot training (and ``val_``) curves per metric, one panel each; return the matplotlib Figure.

    keraton's helper for the plot users write by hand after ``fit`` (Keras has no such function).

    Args:
        history: the ``History`` returned by ``fit``, or its ``history`` dict.
        metrics: names to draw (default: every logged name without the ``val_`` prefix).
        to_file: optional path; the figure is saved there (PNG by default, by extension otherwise).

    Example:
        >>> fig = keraton.utils.plot_history(model.fit(x, y, validation_split=0.2), to_file="history.png")
    """
    try:
        import matplotlib
    except ImportError as error:
        raise ImportError("plot_history requires matplotlib, which is not installed. "
                          "Install it with: pip install matplotlib") from error
    logs = getattr(history, "history", history)
    if not isinstance(logs, dict):
        raise TypeError(f"plot_history expects a History or a dict of lists; received {type(history).__name__}.")
    names = [name for name in logs if not name.startswith("val_")]
    if metrics is not None:
        metrics = [metrics] if isinstance(metrics, str) else list(metrics)
        missing = [name for name in metrics if name not in logs]
        if missing:
            raise ValueError(f"plot_history: metrics {missing} are not in the history; available: {list(logs)}")
        names = metrics
    if not names:
        raise ValueError("plot_history: the history is empty; call fit for at least one epoch first.")
    if to_file is not None and matplotlib.get_backend().lower() not in ("agg", "module://matplotlib_inline.backend_inline"):
        matplotlib.use("Agg")
    from matplotlib.figure import Figure

    figure = Figure(figsize=(5 * len(names), 4))
    for index, name in enumerate(names):
        axes = figure.add_subplot(1, len(names), index + 1)
        epochs = range(1, len(logs[name]) + 1)
        axes.plot(epochs, logs[name], label=name)
        if f"val_{name}" in logs:
            axes.plot(range(1, len(logs[f"val_{name}"]) + 1), logs[f"val_{name}"], label=f"val_{name}")
        axes.set_xlabel("epoch")
        axes.set_title(name)
        axes.legend()
    if to_file is not None:
        figure.savefig(str(to_file))
    return figure
