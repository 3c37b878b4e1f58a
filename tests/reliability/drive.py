"""Run many `inspector` command lines in one process, for tests of inputs that may crash it.

Usage: ``python -m tests.reliability.drive CASES.json [SECONDS]``, where the file holds a list
of argument lists. Before each case it prints ``START <i>``, after it ``RESULT <i> <json>``
(exit status, the last stderr line, whether a traceback escaped), flushing each line: if the
process dies (a segmentation fault), the test reading its output knows which case killed it.
With SECONDS, cases past that budget are skipped (``SKIPPED <n>``).
"""

from __future__ import annotations

import json
import sys
import time
import traceback


def main() -> None:
    from click.testing import CliRunner

    from inspector.cli import main as inspector

    cases = json.loads(open(sys.argv[1], encoding="utf-8").read())
    budget = float(sys.argv[2]) if len(sys.argv) > 2 else None
    start = time.monotonic()
    runner = CliRunner()
    for i, args in enumerate(cases):
        if budget is not None and time.monotonic() - start > budget:
            print(f"SKIPPED {len(cases) - i}", flush=True)
            break
        print(f"START {i}", flush=True)
        result = runner.invoke(inspector, args)
        escaped = result.exception is not None and not isinstance(result.exception, SystemExit)
        lines = [line for line in result.stderr.splitlines() if line.strip()]
        report = {
            "exit": 99 if escaped else result.exit_code,
            "last": lines[-1] if lines else "",
            "lines": len(lines),
            "traceback": "".join(traceback.format_exception(result.exception))
            if escaped
            else ("Traceback" in result.output and result.output[-2000:]) or None,
        }
        print(f"RESULT {i} {json.dumps(report)}", flush=True)


if __name__ == "__main__":
    main()
