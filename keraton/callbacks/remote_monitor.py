"""`RemoteMonitor`, matching `keras.callbacks.RemoteMonitor` (Keras 2 and 3)."""

import json
import urllib.error
import urllib.parse
import urllib.request
import warnings

import numpy as np

from keraton.callbacks.callback import Callback


class RemoteMonitor(Callback):
    """POST each epoch's logs to a server, as Keras's ``RemoteMonitor`` does.

    At the end of every epoch it sends ``{"epoch": epoch, **logs}`` to
    ``root + path``: as a form field ``field`` holding the JSON text (Keras's
    default), or as a JSON body with ``send_as_json=True``.  A server that
    cannot be reached gives a warning, never an error.  Python's own
    ``urllib`` does the request (Keras needs the ``requests`` package).

    Args:
        root: The server's root URL.
        path: The path on the server the events are sent to.
        field: The form field holding the JSON data (``send_as_json=False``).
        headers: Extra HTTP headers (a dict).
        send_as_json: Send the data as the JSON request body.

    Example:

    >>> model.fit(x, y, callbacks=[RemoteMonitor(root="http://localhost:9000")])  # doctest: +SKIP
    """

    def __init__(self, root="http://localhost:9000", path="/publish/epoch/end/", field="data",
                 headers=None, send_as_json=False):
        super().__init__()
        self.root = root
        self.path = path
        self.field = field
        self.headers = headers
        self.send_as_json = send_as_json

    def on_epoch_end(self, epoch, logs=None):
        """Send the epoch number and logs."""
        send = {"epoch": epoch}
        for key, value in (logs or {}).items():
            send[key] = value.item() if isinstance(value, (np.ndarray, np.generic)) else (
                float(value) if hasattr(value, "item") else value)
        headers = dict(self.headers or {})
        if self.send_as_json:
            body = json.dumps(send).encode("utf-8")
            headers.setdefault("Content-Type", "application/json")
        else:
            body = urllib.parse.urlencode({self.field: json.dumps(send)}).encode("utf-8")
            headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
        request = urllib.request.Request(self.root + self.path, data=body, headers=headers,
                                         method="POST")
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                response.read()
        except (urllib.error.URLError, OSError, ValueError):
            warnings.warn(f"Could not reach RemoteMonitor root server at {self.root}",
                          stacklevel=2)
