"""Process-starting steps work where `sys.stderr` has no file descriptor, as inside the app,
and give the results of the in-process computation.

Textual replaces `sys.stderr` with a capture whose `fileno()` is -1; `multiprocessing` (its
resource tracker, spawned workers) and joblib's default backend hand that descriptor to the
processes they start and fail with "bad value(s) in fds_to_keep". Run in a fresh interpreter:
in this one the helper processes may already be running, which would hide the failure.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent(
    """
    import io, os, sys
    import numpy as np

    class Capture(io.StringIO):  # what Textual installs while an app runs
        def fileno(self):
            return -1

    def main():
        real = sys.stderr
        sys.stderr = Capture()
        try:
            from inspector.core.semantic.clusters import _cluster
            from inspector.core.data.conversation import Conversation, Turn
            from inspector.core.flags import FlagRun

            # Above 16,384 points hdbscan parallelizes its core distances.
            rng = np.random.default_rng(0)
            low = np.concatenate([rng.normal(c, 0.3, size=(6000, 5)) for c in range(3)])
            labels = _cluster(low.astype(np.float32), np.arange(len(low)), False, False)
            print("clusters", len(set(labels.tolist())), file=real)

            # The same fit in a worker process (what the app does from 10,000 points on).
            from inspector.core.semantic.clusters import _cluster_guarded
            from inspector.core.processes import allow_workers

            allow_workers()
            elsewhere = _cluster_guarded(low.astype(np.float32), np.arange(len(low)), False, False)
            print("same labels elsewhere", bool((elsewhere == labels).all()), file=real)

            found = []
            for workers in ("0", "2"):
                os.environ["INSPECTOR_FLAG_WORKERS"] = workers
                run = FlagRun()
                assert (run._pool is not None) == (workers == "2")
                for i in range(1500):
                    answer = "" if i % 3 else "Sure: jo.doe@mailhost.org, write any time."
                    turns = [Turn("user", "How do I reach you?"), Turn("assistant", answer)]
                    run.add(i, Conversation("messages", turns))
                found.append(run.finish())
            print("flagged", len(found[1]), "same", found[0] == found[1], file=real)
        finally:
            sys.stderr = real

    if __name__ == "__main__":
        main()
    """
)


def test_clusters_and_flag_workers_start_without_a_stderr_descriptor(tmp_path):
    script = tmp_path / "no_stderr_fd.py"
    script.write_text(SCRIPT)
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "clusters 3" in done.stderr
    assert "same labels elsewhere True" in done.stderr
    assert "flagged 1500 same True" in done.stderr
