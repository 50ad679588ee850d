"""A throw-away HTTP server on 127.0.0.1 for the download tests: no test ever reaches the internet."""

import http.server
import threading

import pytest


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 - http.server's name
        files = self.server.files
        self.server.requests.append(self.path)
        if self.path not in files:
            self.send_error(404, "not found")
            return
        body = files[self.path]
        truncated = self.path in self.server.truncate
        self.send_response(200)
        if self.path not in self.server.no_length:
            self.send_header("Content-Length", str(len(body) + (1000 if truncated else 0)))
        self.end_headers()
        self.wfile.write(body)
        if truncated or self.path in self.server.no_length:
            self.close_connection = True

    def log_message(self, *args):
        pass


class LocalServer:
    """Serves ``files`` (URL path -> bytes); paths in ``truncate`` announce more bytes than sent,
    paths in ``no_length`` send no Content-Length."""

    def __init__(self):
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.httpd.files = {}
        self.httpd.truncate = set()
        self.httpd.no_length = set()
        self.httpd.requests = []
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    @property
    def files(self):
        return self.httpd.files

    @property
    def truncate(self):
        return self.httpd.truncate

    @property
    def no_length(self):
        return self.httpd.no_length

    @property
    def requests(self):
        return self.httpd.requests

    def url(self, path):
        return f"http://127.0.0.1:{self.httpd.server_address[1]}{path}"

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def local_server():
    server = LocalServer()
    yield server
    server.close()
