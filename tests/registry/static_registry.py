#!/usr/bin/env python3
"""static_registry.py ROOT — a read-only OCI registry for pull tests that
serves whatever the test put under ROOT, lies included:

  ROOT/manifests/<ns>/<model>/<tag>   manifest bytes (GET/HEAD .../manifests/<tag>)
  ROOT/blobs/sha256-<hex>             blob bytes (HEAD, GET with Range) — they
                                      need not hash to their name
  ROOT/slow                           if present: blob bodies go out in 64 KiB
                                      pieces with 20 ms between them

It writes ROOT/port once listening, and appends to ROOT/requests.log one
line per request ("METHOD PATH") and to ROOT/bytes.log the blob body bytes
each GET sent. Paths it does not know get 404. Runs until killed."""
import os
import re
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ROOT = sys.argv[1]
LOCK = threading.Lock()
PART = r"[A-Za-z0-9_.-]{1,80}"
MANIFEST = re.compile(rf"^/v2/({PART})/({PART})/manifests/({PART})$")
BLOB = re.compile(rf"^/v2/{PART}/{PART}/blobs/sha256:([0-9a-f]{{64}})$")


def log(name, text):
    with LOCK, open(os.path.join(ROOT, name), "a") as f:
        f.write(text + "\n")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def send(self, code, body=b"", ctype="application/octet-stream", extra=None, head=False):
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def lookup(self):
        m = MANIFEST.match(self.path)
        if m:
            p = os.path.join(ROOT, "manifests", *m.groups())
            return p, "application/vnd.docker.distribution.manifest.v2+json", False
        m = BLOB.match(self.path)
        if m:
            return os.path.join(ROOT, "blobs", "sha256-" + m.group(1)), None, True
        return None, None, False

    def do_HEAD(self):
        self.serve(head=True)

    def do_GET(self):
        self.serve(head=False)

    def serve(self, head):
        log("requests.log", f"{self.command} {self.path}")
        path, ctype, blob = self.lookup()
        if not path or not os.path.isfile(path):
            self.send(404, b'{"errors":[{"code":"NOT_FOUND"}]}', "application/json", head=head)
            return
        with open(path, "rb") as f:
            data = f.read()
        if not blob:
            self.send(200, data, ctype, head=head)
            return
        if head:
            self.send(200, data, head=True)
            return
        start, end, code = 0, len(data) - 1, 200
        rng = re.match(r"^bytes=(\d+)-(\d+)$", self.headers.get("Range", ""))
        if rng:
            start, end, code = int(rng.group(1)), min(int(rng.group(2)), len(data) - 1), 206
        body = data[start:end + 1]
        self.send_response(code)
        self.send_header("Content-Length", str(len(body)))
        if code == 206:
            self.send_header("Content-Range", f"bytes {start}-{end}/{len(data)}")
        self.end_headers()
        sent = 0
        slow = os.path.exists(os.path.join(ROOT, "slow"))
        try:
            while sent < len(body):
                piece = body[sent:sent + (65536 if slow else len(body))]
                self.wfile.write(piece)
                self.wfile.flush()
                sent += len(piece)
                if slow:
                    time.sleep(0.02)
        except (BrokenPipeError, ConnectionResetError):
            pass
        log("bytes.log", str(sent))


def main():
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    tmp = os.path.join(ROOT, "port.tmp")
    with open(tmp, "w") as f:
        f.write(str(srv.server_address[1]))
    os.rename(tmp, os.path.join(ROOT, "port"))
    srv.serve_forever()


if __name__ == "__main__":
    main()
