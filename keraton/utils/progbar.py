"""Text progress bar, matching `keras.utils.Progbar` (Keras 3) output."""

import logging
import math
import os
import sys
import time

import numpy as np

from keraton.utils.io_utils import is_interactive_logging_enabled

_BOLD = "\x1b[1m"
_GREEN = "\x1b[32m"
_WHITE = "\x1b[37m"
_RESET = "\x1b[0m"
_DONE_CHAR = "━"
# On a terminal the remaining part of the bar is a white `━` (as Keras draws
# it); in plain output, which has no colours, a thin line keeps it visible.
_PLAIN_REST_CHAR = "─"


def format_eta(seconds):
    """Format a remaining-time estimate like Keras 3's progress bar.

    `"%ds"` up to a minute, `"m:ss"` up to an hour, `"h:mm:ss"` beyond, e.g.
    `0s`, `12s`, `1:02`, `1:01:01`.
    """
    if seconds > 3600:
        return f"{int(seconds // 3600)}:{int(seconds % 3600 // 60):02d}:{int(seconds % 60):02d}"
    if seconds > 60:
        return f"{int(seconds // 60)}:{int(seconds % 60):02d}"
    return f"{int(seconds)}s"


def format_time_per_unit(time_per_unit, unit_name="step"):
    """Format a per-step duration exactly like Keras 3's `Progbar._format_time`.

    Returns e.g. `" 1s/step"`, `" 2ms/step"` or `" 120us/step"` (note the
    leading space, as Keras); a zero duration is shown as `" 0s/step"`.
    """
    if time_per_unit >= 1 or time_per_unit == 0:
        return f" {time_per_unit:.0f}s/{unit_name}"
    if time_per_unit >= 1e-3:
        return f" {time_per_unit * 1000.0:.0f}ms/{unit_name}"
    return f" {time_per_unit * 1000000.0:.0f}us/{unit_name}"


def format_value(value):
    """Format a metric value as Keras 3 does: `.4f`, or `.4e` when |v| <= 1e-3.

    `0.25 -> "0.2500"`, `1e-5 -> "1.0000e-05"`; non-numeric values use `str`.
    """
    if not isinstance(value, (int, float)):
        return str(value)
    if abs(value) > 1e-3:
        return f"{value:.4f}"
    return f"{value:.4e}"


def _to_number(value):
    """Convert a logged value to a Python float (arrays are averaged, as Keras's
    `np.mean`); values that are not numeric are returned unchanged."""
    if isinstance(value, float):
        return value
    try:
        return float(value)
    except (TypeError, ValueError, RuntimeError):
        pass
    try:
        if hasattr(value, "detach"):  # a torch tensor with several elements
            value = value.detach().cpu().numpy()
        return float(np.mean(value))
    except (TypeError, ValueError, RuntimeError):
        return value


def _interactive_stdout():
    """Whether stdout can redraw a line in place: a TTY, a Jupyter kernel or a
    PyCharm console (Keras's check, minus its always-true `"posix"` test)."""
    if not is_interactive_logging_enabled():
        return False
    stdout = sys.stdout
    isatty = getattr(stdout, "isatty", None)
    try:
        if isatty is not None and isatty():
            return True
    except ValueError:  # closed stream
        return False
    return "ipykernel" in sys.modules or "PYCHARM_HOSTED" in os.environ


class Progbar:
    """Displays a progress bar, like `keras.utils.Progbar` (Keras 3).

    Args:
        target: Total number of steps expected, `None` if unknown.
        width: Progress bar width on screen, in characters.
        verbose: 0 (silent), 1 (progress bar), 2 (one line when finalized).
        interval: Minimum time, in seconds, between two redraws of the bar.
        stateful_metrics: Names of metrics shown as given (not averaged).
        stateless_metrics: Names of metrics that are averaged over steps (all
            others shown as given). Give at most one of the two lists; with
            neither, every metric is averaged, as in Keras.
        unit_name: Display name for step counts ("step" or "sample").

    With `verbose=1` on an interactive stdout the line is redrawn in place
    (`\\r`, ANSI bold/colours), at most once every `interval` seconds plus the
    final draw. When stdout is not interactive only the final line of the bar is
    printed, without escape codes. Updates that are not drawn are cheap.
    """

    def __init__(
        self,
        target,
        width=20,
        verbose=1,
        interval=0.05,
        stateful_metrics=None,
        stateless_metrics=None,
        unit_name="step",
    ):
        if stateful_metrics is not None and stateless_metrics is not None:
            raise ValueError(
                "Only one of `stateful_metrics` or `stateless_metrics` can be provided."
            )
        self.target = target
        self.width = width
        self.verbose = verbose
        self.interval = interval
        self.unit_name = unit_name
        if stateless_metrics is not None:
            self.stateful_metrics = None
            self.stateless_metrics = set(stateless_metrics)
        else:
            self.stateful_metrics = set(stateful_metrics or ())
            self.stateless_metrics = None
        self._dynamic_display = _interactive_stdout()
        # Whether an update that is not the final one can ever be drawn.
        self._draws_midway = verbose == 1 and self._dynamic_display
        self._seen_so_far = 0
        self._values = {}  # name -> [sum, count]; insertion order = display order
        self._start = time.monotonic()
        self._last_update = -math.inf
        self._time_after_first_step = None
        self._prev_total_width = 0

    def will_draw(self, current=None, finalize=False):
        """Whether `update(current, finalize=finalize)` called now would print.

        Lets a caller skip computing `values` (e.g. a host sync) for updates
        that the throttle would drop anyway.
        """
        if finalize:
            if self.verbose == 2:
                return self.target is not None and self.target > 0
            return self.verbose == 1
        if not self._draws_midway:
            return False
        return time.monotonic() - self._last_update >= self.interval

    def update(self, current, values=None, finalize=None):
        """Record progress up to step `current` and redraw if due (Keras 3 API).

        Args:
            current: Index of the current step (1-based count of steps done).
            values: List of `(name, value_for_last_step)` tuples. Values of
                stateful metrics are shown as given; others are averaged over
                the steps seen, weighted by the steps since the last update.
            finalize: Whether this is the last update of the bar. Defaults to
                `current >= target` (`False` when the target is unknown).
        """
        if finalize is None:
            finalize = self.target is not None and current >= self.target
        if values:
            self._record(current, values, finalize)
        self._seen_so_far = current
        now = time.monotonic()
        if not finalize and not (self._draws_midway and now - self._last_update >= self.interval):
            if current == 1:
                self._time_after_first_step = now
            return
        time_per_unit = self._estimate_step_duration(current, now)
        if self.verbose == 1:
            self._draw_bar(current, finalize, now, time_per_unit)
        elif self.verbose == 2 and self.target is not None and self.target > 0:
            self._draw_line(current, now, time_per_unit)
        self._last_update = now

    def add(self, n, values=None):
        """Advance the bar by `n` steps (Keras 3 API): `update(seen + n, values)`."""
        self.update(self._seen_so_far + n, values)

    def _record(self, current, values, finalize):
        """Accumulate `values` like Keras: a weighted running sum for averaged
        metrics (reset on the final update), the last value for stateful ones."""
        stateful = self.stateful_metrics
        for k, v in values:
            v = _to_number(v)
            if stateful is not None:
                averaged = k not in stateful
            else:
                averaged = k in self.stateless_metrics
            if averaged and not finalize and isinstance(v, float):
                base = max(current - self._seen_so_far, 1)
                entry = self._values.get(k)
                if entry is None or not isinstance(entry[0], float):
                    self._values[k] = [v * base, base]
                else:
                    entry[0] += v * base
                    entry[1] += base
            else:
                self._values[k] = [v, 1]

    def _metrics_text(self):
        """The ` - name: value` suffix for every recorded metric."""
        parts = []
        for k, (total, count) in self._values.items():
            value = total / max(1, count) if isinstance(total, float) else total
            parts.append(f" - {k}: {format_value(value)}")
        return "".join(parts)

    def _draw_bar(self, current, finalize, now, time_per_unit):
        """Render the verbose=1 line: in place on a terminal, else final only."""
        ansi = self._dynamic_display
        target = self.target
        if target is not None and target > 0:
            numdigits = int(math.log10(target)) + 1
            count = f"%{numdigits}d/%d" % (current, target)
            done = min(max(int(self.width * float(current) / target), 0), self.width)
            rest = self.width - done
            if ansi:
                bar = f"{_BOLD}{count}{_RESET} "
                if done > 0:
                    bar += f"{_GREEN}{_DONE_CHAR * done}{_RESET}"
                bar += f"{_WHITE}{_DONE_CHAR * rest}{_RESET}"
            else:
                bar = f"{count} {_DONE_CHAR * done}{_PLAIN_REST_CHAR * rest}"
            width = len(count) + 1 + self.width
        else:
            bar = f"{int(current):7d}/Unknown"
            width = len(bar)
        if target is not None and target > 0 and not finalize:
            clock = format_eta(time_per_unit * (target - current))
        else:
            clock = f"{now - self._start:.0f}s"
        rest_info = format_time_per_unit(time_per_unit, self.unit_name) + self._metrics_text()
        width += 1 + len(clock) + len(rest_info)
        info = (f" {_BOLD}{clock}{_RESET}" if ansi else f" {clock}") + rest_info
        if ansi:
            message = "\b" * self._prev_total_width + "\r" + bar + info
            if self._prev_total_width > width:
                message += " " * (self._prev_total_width - width)
            if finalize:
                message += "\n"
        else:
            message = bar + info + "\n"
        self._prev_total_width = width
        print_msg(message, line_break=False)

    def _draw_line(self, current, now, time_per_unit):
        """Render the single verbose=2 line printed when the bar is finalized."""
        numdigits = int(math.log10(self.target)) + 1
        count = f"%{numdigits}d/%d" % (current, self.target)
        info = f"{count} - {now - self._start:.0f}s"
        info += f" -{format_time_per_unit(time_per_unit, self.unit_name)}"
        print_msg(info + self._metrics_text())

    def _estimate_step_duration(self, current, now):
        """Seconds per step, ignoring the (usually slow) first step once more
        steps are available, exactly as Keras estimates it."""
        if not current:
            return 0
        if self._time_after_first_step is not None and current > 1:
            time_per_unit = (now - self._time_after_first_step) / (current - 1)
        else:
            time_per_unit = (now - self._start) / current
        if current == 1:
            self._time_after_first_step = now
        return time_per_unit


def print_msg(message, line_break=True):
    """Write `message` (plus a newline if `line_break`) to the current
    `sys.stdout` and flush, like Keras's `io_utils.print_msg`; falls back to a
    lossy encoding when the stream cannot encode the bar characters.  After
    `keras.config.disable_interactive_logging()` it goes to the `"keraton"`
    logger at INFO level instead, as Keras sends it to `logging`."""
    if not is_interactive_logging_enabled():
        logging.getLogger("keraton").info(message)
        return
    if line_break:
        message += "\n"
    stdout = sys.stdout
    try:
        stdout.write(message)
    except UnicodeEncodeError:
        encoding = getattr(stdout, "encoding", None) or "utf-8"
        message = message.replace(_DONE_CHAR, "=").replace(_PLAIN_REST_CHAR, ".")
        stdout.write(message.encode(encoding, errors="ignore").decode(encoding))
    stdout.flush()
