"""Quitting never waits for an analysis step that cannot be interrupted (a UMAP fit, HDBSCAN)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from inspector.core.data.dataset import open_dataset
    import inspector.ui.app
    from inspector.ui.app import InspectorApp, leave
    from inspector.ui.session import Session

    def blocking_step():
        time.sleep(60)  # stands for a native call that never looks at the cancel event

    class App(InspectorApp):
        CSS_PATH = str(Path(inspector.ui.app.__file__).with_name(InspectorApp.CSS_PATH))

        def on_ready(self):
            self.run_worker(blocking_step, thread=True)
            self.set_timer(0.5, self.exit)

    ds = open_dataset(Path(sys.argv[1]), state_dir=Path(sys.argv[2]))
    app = App(Session(ds), analyses=False)
    app.run(headless=True)
    assert app.return_code == 0, app.return_code
    print("app closed", flush=True)
    leave(app)
    print("not reached: leave() ends the process", flush=True)
    """
)


def test_quitting_does_not_wait_for_a_running_step(sample_data, tmp_path):
    script = tmp_path / "quit.py"
    script.write_text(SCRIPT)
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, str(script), str(sample_data / "sft"), str(tmp_path / "state")],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    took = time.perf_counter() - start
    assert done.returncode == 0, done.stderr[-3000:]
    assert "app closed" in done.stdout
    assert "not reached" not in done.stdout
    assert took < 30, f"quitting waited {took:.0f} s for the blocked step"
