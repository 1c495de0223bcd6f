"""Plain static file serving, the yardstick for the tile server: the same werkzeug threaded
server, each request answered by reading the file from disk.

Usage: python bench/static_server.py DIRECTORY  (prints "static files on http://HOST:PORT/")
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from services.ledger.tiles import QuietHandler  # the same server, the same (absent) logging


def static_app(root: Path):
    root = root.resolve()

    def app(environ, start_response):
        path = (root / Request(environ).path.lstrip("/")).resolve()
        if root not in path.parents or not path.is_file():
            return Response("not found\n", status=404)(environ, start_response)
        response = Response(path.read_bytes(), content_type="application/octet-stream")
        response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
        return response(environ, start_response)

    return app


if __name__ == "__main__":
    app = static_app(Path(sys.argv[1]))
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietHandler)
    print(f"static files on http://127.0.0.1:{server.server_port}/", flush=True)
    server.serve_forever()
