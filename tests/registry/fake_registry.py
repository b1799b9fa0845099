#!/usr/bin/env python3
"""A fake, partly hostile OCI registry + token server for the registry
client's tests (tests/unit/test_registry.c starts and kills it).

Listens on two ports of 127.0.0.1 ("A" = the registry, "B" = another host,
standing in for a CDN or an internal service) and writes "A B\n" to the file
named by --port-file once both listen. Every route is under /v2/<ns>/m/...;
<ns> picks the behaviour (see ROUTES below). Blob bodies are BLOB (bytes
0..255 repeated), served with Range support where the route says so.
"""
import argparse
import base64
import hashlib
import json
import os
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

BLOB = bytes(i % 256 for i in range(10000))
TOKENS = {"signed-token": "signed", "unsigned-token": "unsigned"}
UPLOADED = {}  # what "another host" received by PUT, by path
PORTS = {}


def verify_signature(header, url):
    """Ollama's token request signature: '<b64 ssh pubkey blob>:<b64 sig>'
    over 'GET,<url>,<b64(hex(sha256('')))>'. Returns True/False."""
    try:
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
    except ImportError:
        return False
    try:
        pub_b64, sig_b64 = header.split(":", 1)
        blob = base64.b64decode(pub_b64)
        n = int.from_bytes(blob[0:4], "big")
        if blob[4:4 + n] != b"ssh-ed25519":
            return False
        off = 4 + n
        klen = int.from_bytes(blob[off:off + 4], "big")
        raw = blob[off + 4:off + 4 + klen]
        empty = base64.b64encode(hashlib.sha256(b"").hexdigest().encode()).decode()
        data = ("GET,%s,%s" % (url, empty)).encode()
        Ed25519PublicKey.from_public_bytes(raw).verify(base64.b64decode(sig_b64), data)
        return True
    except Exception:
        return False


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"

    def log_message(self, fmt, *args):
        sys.stderr.write("fake: %s %s\n" % (self.command, self.path))

    def reply(self, code, body=b"", headers=None):
        if isinstance(body, str):
            body = body.encode()
        self.send_response(code)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        if "Content-Length" not in (headers or {}):
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def port(self):
        return self.server.server_address[1]

    def challenge(self, realm_host=None):
        realm = "http://%s/token" % (realm_host or "127.0.0.1:%d" % PORTS["A"])
        self.reply(401, '{"errors":[{"code":"UNAUTHORIZED"}]}', {
            "WWW-Authenticate": 'Bearer realm="%s",service="fake",scope="repository:x/m:pull"' % realm})

    def bearer(self):
        a = self.headers.get("Authorization", "")
        return TOKENS.get(a[7:]) if a.startswith("Bearer ") else None

    def serve_blob(self, ranged=True):
        rng = self.headers.get("Range", "")
        if ranged and rng.startswith("bytes="):
            s, e = rng[6:].split("-")
            s, e = int(s), min(int(e), len(BLOB) - 1)
            self.reply(206, BLOB[s:e + 1], {"Content-Range": "bytes %d-%d/%d" % (s, e, len(BLOB))})
        else:
            self.reply(200, BLOB)

    def body(self):
        n = int(self.headers.get("Content-Length", "0"))
        return self.rfile.read(n) if n else b""

    def do_POST(self):
        # /v2/up307/m/blobs/uploads/: Ollama's redirected uploads (X-Redirect-Uploads)
        if self.path.startswith("/v2/up307/m/blobs/uploads/"):
            return self.reply(202, "", {"Location": "/upload/1?_state=a%3Db"})
        self.reply(404, "no route")

    def do_PATCH(self):
        if self.path.startswith("/upload/1?_state=a%3Db"):
            if self.headers.get("X-Redirect-Uploads") != "1":
                return self.reply(400, "no X-Redirect-Uploads")
            cr = self.headers.get("Content-Range", "")
            self.body()
            return self.reply(307, "", {"Location": "http://127.0.0.1:%d/put/%s" % (PORTS["B"], cr)})
        self.reply(404, "no route")

    def do_PUT(self):
        data = self.body()
        if self.port() == PORTS["B"]:
            if self.headers.get("Authorization"):
                return self.reply(400, "authorization leaked to another host")
            UPLOADED[self.path] = data
            return self.reply(200)
        if self.path.startswith("/upload/1?_state=a%3Db&digest="):
            d = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)["digest"][0]
            parts = [UPLOADED[k] for k in sorted(UPLOADED, key=lambda k: int(k.split("/")[2].split("-")[0]))]
            got = "sha256:" + hashlib.sha256(b"".join(parts)).hexdigest()
            return self.reply(201 if got == d else 400, "" if got == d else "got " + got)
        self.reply(404, "no route")

    def do_HEAD(self):
        self.do_GET()

    def do_GET(self):
        u = urllib.parse.urlsplit(self.path)
        parts = u.path.split("/")
        if self.port() == PORTS["B"]:
            # "another host": must never see the registry's credentials
            if self.headers.get("Authorization"):
                return self.reply(400, "authorization leaked to another host")
            return self.serve_blob()
        if u.path == "/token":
            return self.token(u)
        if u.path.startswith("/hop/"):
            if self.bearer() is None:
                return self.reply(403, "same-host redirect lost the token")
            return self.reply(302, "", {"Location": "http://127.0.0.1:%d/direct/x" % PORTS["B"]})
        if len(parts) < 5 or parts[1] != "v2":
            return self.reply(404, "no route")
        self.route(parts[2], parts[4], u)

    def token(self, u):
        q = urllib.parse.parse_qs(u.query)
        for k in ("service", "scope", "ts", "nonce"):
            if k not in q:
                return self.reply(400, "missing %s" % k)
        sig = self.headers.get("Authorization")
        if sig is None:
            return self.reply(200, json.dumps({"token": "unsigned-token"}))
        full = "http://127.0.0.1:%d%s" % (PORTS["A"], self.path)
        if not verify_signature(sig, full):
            return self.reply(403, "bad signature")
        self.reply(200, json.dumps({"token": "signed-token"}))

    def route(self, ns, kind, u):
        A, B = PORTS["A"], PORTS["B"]
        if ns == "auth":  # Bearer challenge, then the manifest says who we are
            who = self.bearer()
            if who is None:
                return self.challenge()
            return self.reply(200, json.dumps({"auth": who}))
        if ns == "badrealm":
            return self.challenge("localhost:%d" % A)
        if ns == "deny":  # the token never helps
            return self.challenge()
        if ns == "redir":  # auth, same-host hop, then a cross-host hop
            if self.bearer() is None:
                return self.challenge()
            return self.reply(307, "", {"Location": "/hop/x"})
        if ns == "scheme":
            return self.reply(302, "", {"Location": "file:///etc/passwd"})
        if ns == "ftp":
            return self.reply(302, "", {"Location": "ftp://127.0.0.1:%d/x" % B})
        if ns == "gopher":
            return self.reply(302, "", {"Location": "gopher://127.0.0.1:%d/x" % B})
        if ns == "loop":
            return self.reply(302, "", {"Location": self.path})
        if ns == "norange":  # ignores Range: sends the whole blob
            return self.serve_blob(ranged=False)
        if ns == "wrongrange":  # answers a range that starts elsewhere
            return self.reply(206, BLOB[0:100], {"Content-Range": "bytes 0-99/%d" % len(BLOB)})
        if ns == "short":  # honest headers, fewer bytes than asked
            return self.reply(206, BLOB[0:10], {"Content-Range": "bytes 0-9/%d" % len(BLOB)})
        if ns == "liar":  # Content-Length promises more than is sent
            self.send_response(200)
            self.send_header("Content-Length", "1000")
            self.end_headers()
            self.wfile.write(BLOB[0:10])
            return
        if ns == "hang":  # a few bytes, then nothing
            self.send_response(200)
            self.send_header("Content-Length", str(len(BLOB)))
            self.end_headers()
            self.wfile.write(BLOB[0:5])
            self.wfile.flush()
            time.sleep(60)
            return
        if ns == "big":
            return self.reply(200, b"{" + b" " * (5 << 20) + b"}")
        if ns == "err":
            return self.reply(500, "x" * 1000 + "\x01\n")
        if ns == "plain":
            return self.serve_blob()
        self.reply(404, '{"errors":[{"code":"NAME_UNKNOWN"}]}')


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port-file", required=True)
    args = ap.parse_args()
    servers = []
    for name in ("A", "B"):
        s = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        s.daemon_threads = True
        PORTS[name] = s.server_address[1]
        servers.append(s)
    for s in servers[1:]:
        threading.Thread(target=s.serve_forever, daemon=True).start()
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d %d\n" % (PORTS["A"], PORTS["B"]))
    os.rename(tmp, args.port_file)
    servers[0].serve_forever()


if __name__ == "__main__":
    main()
