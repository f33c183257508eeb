"""`toolcoder demo serve|replay`: the offline API-Bank demo service."""

from __future__ import annotations

import argparse
import json
import sys

from ..errors import TaskFailed, UsageError

REPLAY_TARGET = 0.98


def demo_command(args: argparse.Namespace, rt) -> int:
    if args.action == "serve":
        return _serve(args.port)
    if args.action == "replay":
        return _replay(args.data, args.json)
    raise UsageError(f"unknown demo action '{args.action}'")


def _serve(port: int) -> int:
    from .apibank.server import ApiBankServer

    try:
        server = ApiBankServer(port=port)
    except OSError as exc:
        raise UsageError(f"cannot listen on 127.0.0.1:{port} ({exc.strerror}); "
                         "pick another --port or 0 for a free one") from None
    print(f"API-Bank demo service on {server.url}  (POST /ApiName, GET /openapi.json, "
          f"GET /health; Ctrl-C to stop)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.httpd.server_close()
    return 0


def _replay(data: str | None, as_json: bool) -> int:
    from .apibank.replay import format_report, replay

    report = replay(data)
    if as_json:
        print(json.dumps(report.to_json(), ensure_ascii=False))
    else:
        print(format_report(report))
    unexplained = [m for m in report.mismatches if not m.accepted]
    if report.rate < REPLAY_TARGET or unexplained:
        if not as_json:
            print(f"replay below target or with unexplained mismatches "
                  f"({len(unexplained)} unexplained)", file=sys.stderr)
        raise TaskFailed(f"replay reproduced {report.reproduced}/{report.total} "
                         f"({100 * report.rate:.1f}%), {len(unexplained)} unexplained mismatch(es)")
    return 0
