"""A child process for the supervisor tests: serve HTTP after a delay, or probe a URL once.

python -m tests.late_child serve PORT DELAY   listen on PORT after DELAY seconds
python -m tests.late_child probe URL OUT      write "up" or "down" (URL answering?) to OUT
"""

from __future__ import annotations

import sys
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path


class _Ok(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"[]")

    def log_message(self, format: str, *args: object) -> None:
        return


def main(argv: list[str]) -> int:
    """Serve or probe, per the first argument."""
    if argv[0] == "serve":
        time.sleep(float(argv[2]))
        HTTPServer(("127.0.0.1", int(argv[1])), _Ok).serve_forever()
        return 0
    try:
        with urllib.request.urlopen(argv[1], timeout=1) as reply:
            state = "up" if reply.status == 200 else "down"
    except OSError:
        state = "down"
    Path(argv[2]).write_text(state)
    time.sleep(60)  # stay up like a worker until the supervisor stops it
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
