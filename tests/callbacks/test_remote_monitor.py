"""`RemoteMonitor` posts each epoch's logs to a (local, in-test) HTTP server, as Keras's does."""

import json
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, HTTPServer

import numpy as np
import pytest

import keraton


@pytest.fixture
def server():
    received = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers["Content-Length"])
            received.append((self.path, self.headers.get("Content-Type"),
                             self.headers.get("X-Run"), self.rfile.read(length).decode()))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    httpd = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", received
    httpd.shutdown()
    httpd.server_close()


def _fit(callback, epochs=2):
    model = keraton.Sequential([keraton.Input((2,)), keraton.layers.Dense(1, kernel_initializer="ones")])
    model.compile(keraton.optimizers.SGD(0.0), "mse", metrics=["mae"])
    return model.fit(np.ones((4, 2), "float32"), np.zeros((4, 1), "float32"), epochs=epochs,
                     verbose=0, callbacks=[callback])


def test_form_field_with_json_text_as_keras_default(server):
    root, received = server
    history = _fit(keraton.callbacks.RemoteMonitor(root=root, headers={"X-Run": "7"}))
    assert [r[0] for r in received] == ["/publish/epoch/end/"] * 2
    path, content_type, run, body = received[1]
    assert content_type == "application/x-www-form-urlencoded" and run == "7"
    data = json.loads(urllib.parse.parse_qs(body)["data"][0])
    assert data == {"epoch": 1, "loss": pytest.approx(history.history["loss"][1]),
                    "mae": pytest.approx(2.0)}


def test_json_body(server):
    root, received = server
    _fit(keraton.callbacks.RemoteMonitor(root=root, path="/events", send_as_json=True), epochs=1)
    path, content_type, _, body = received[0]
    assert path == "/events" and content_type == "application/json"
    assert json.loads(body) == {"epoch": 0, "loss": pytest.approx(4.0), "mae": pytest.approx(2.0)}


def test_unreachable_server_warns_and_training_goes_on():
    with pytest.warns(UserWarning, match="Could not reach RemoteMonitor root server"):
        history = _fit(keraton.callbacks.RemoteMonitor(root="http://127.0.0.1:9"), epochs=1)
    assert len(history.history["loss"]) == 1
