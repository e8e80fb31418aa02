"""The shape every benchmark's command line shares: run, print the report for people (on
stderr with ``--json``), then one JSON object on stdout."""

from __future__ import annotations

import argparse
import json
import sys
import traceback
from collections.abc import Callable
from typing import Any, TextIO

Run = Callable[[argparse.Namespace, TextIO], dict[str, Any]]
Report = Callable[[dict[str, Any], TextIO], None]


def run_and_report(args: argparse.Namespace, run: Run, write_report: Report) -> int:
    """0 when the benchmark ran (targets met or not), 1 on error."""
    human = sys.stderr if args.json else sys.stdout
    try:
        result = run(args, human)
    except Exception:
        traceback.print_exc(file=sys.stderr)
        return 1
    write_report(result, human)
    if args.json:
        sys.stdout.write(json.dumps(result, sort_keys=True) + "\n")
    return 0
