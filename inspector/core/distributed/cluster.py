"""Joining (or starting) a Ray cluster, with the errors a user can act on.

Ray is an optional extra (`pip install "inspector[ray]"`), imported only here and only when an
engine asks for it: `require_ray()` says how to install it when it is missing. `connect`
understands the `--ray-address` values:

- `auto` (the default): join the cluster this machine belongs to (`ray start` wrote its address
  under /tmp/ray, or `RAY_ADDRESS` names it), else start a local one just for this run;
- `local`: always start a local one (`num_cpus` bounded by `--concurrency` when given);
- anything else (`HOST:PORT`, `ray://HOST:PORT`): that cluster, or an `InputError` saying it
  cannot be reached, after `CONNECT_TIMEOUT_S`, never a hang.

Retries: every Ray Data task is retried `TASK_RETRIES` times when its worker process or node
dies (Ray's `max_retries` for system failures; Ray Data's own default is to retry forever,
which would turn a row that crashes its worker every time into a hang), and objects lost with
a worker are rebuilt from their lineage, so a killed worker costs the blocks it held, not the
run. Errors raised by our own code in a task (bad data, a bug) are not retried: they would
fail the same way again (Ray Data's `retried_map_errors` stays off).
"""

from __future__ import annotations

import os
import socket
from pathlib import Path

from inspector.core.errors import InputError

#: How often a task is run again after its worker process died (system failures only).
TASK_RETRIES = 3
#: Seconds to wait for an explicit `--ray-address` before saying it cannot be reached.
CONNECT_TIMEOUT_S = 20
INSTALL_HINT = 'the Ray engine needs the ray extra: pip install "inspector[ray]"'


def require_ray():
    """The `ray` module, or an `InputError` saying how to install it."""
    try:
        import ray
        import ray.data  # noqa: F401  (Ray Data ships in the "data" extra of ray)
    except ImportError as err:
        raise InputError(f"{INSTALL_HINT} ({err}).") from None
    return ray


def _package_root() -> str:
    """The folder holding this copy of `inspector`, put first on the workers' path so that
    workers on this machine (or on nodes sharing its filesystem) run exactly this code."""
    import inspector

    return str(Path(inspector.__file__).resolve().parents[1])


def _reachable(address: str) -> bool:
    """Whether a `HOST:PORT` answers a TCP connection (checked before `ray.init`, which would
    otherwise keep retrying for a long time on an address where nothing listens)."""
    hostport = address.split("://", 1)[-1]
    host, _, port = hostport.rpartition(":")
    if not host or not port.isdigit():
        raise InputError(
            f"--ray-address {address}: expected HOST:PORT (the address `ray start --head` "
            "printed), ray://HOST:PORT, auto or local."
        )
    try:
        with socket.create_connection((host, int(port)), timeout=CONNECT_TIMEOUT_S):
            return True
    except OSError:
        return False


def connect(address: str = "auto", concurrency: int | None = None) -> dict:
    """Connect this process to a Ray cluster (see the module docstring); returns a description
    `{"address", "started_here", "nodes", "cpus", "gpus"}` for the report and the manifest."""
    ray = require_ray()
    address = address or "auto"
    env = {"env_vars": {"PYTHONPATH": _package_root()}}
    extra = os.environ.get("PYTHONPATH")
    if extra:
        env["env_vars"]["PYTHONPATH"] += os.pathsep + extra
    if ray.is_initialized():
        started = False
    elif address == "local" or (address == "auto" and not _running_cluster()):
        ray.init(
            address="local",
            num_cpus=concurrency,
            include_dashboard=False,
            runtime_env=env,
            logging_level="WARNING",
            log_to_driver=False,
        )
        started = True
    else:
        target = os.environ.get("RAY_ADDRESS", "auto") if address == "auto" else address
        if target != "auto" and not target.startswith("ray://") and not _reachable(target):
            raise InputError(
                f"cannot reach a Ray cluster at {target}: nothing answers there. Start one with "
                "`ray start --head` on the head machine, or use --ray-address local."
            )
        try:
            ray.init(
                address=target,
                runtime_env=env,
                logging_level="WARNING",
                log_to_driver=False,
            )
        except (ConnectionError, RuntimeError, TimeoutError) as err:
            raise InputError(f"cannot join the Ray cluster at {target}: {err}") from None
        started = False
    configure()
    resources = ray.cluster_resources()
    return {
        "address": address,
        "started_here": started,
        "nodes": len([n for n in ray.nodes() if n.get("Alive")]),
        "cpus": int(resources.get("CPU", 0)),
        "gpus": int(resources.get("GPU", 0)),
    }


def _running_cluster() -> bool:
    """Whether `auto` has a cluster to join: `RAY_ADDRESS`, or the address file `ray start`
    leaves on this machine (Ray's own lookup, without trying to connect)."""
    if os.environ.get("RAY_ADDRESS"):
        return True
    try:
        from ray._private.services import find_gcs_addresses

        return bool(find_gcs_addresses())
    except Exception:  # a private helper: when it moves, fall back to starting a local one
        return False


def configure() -> None:
    """Ray Data settings every engine run uses: our own progress instead of Ray's bars, and
    the order of blocks kept (results are sorted by row anyway; this keeps progress steady)."""
    import warnings

    import ray.data

    # Ray 2.60 deprecates passing `max_retries` to `map_batches` without offering a named
    # parameter for it; the bound on retries matters more (a row that crashes its worker every
    # time must end in an error, not in retries forever), so keep passing it, quietly.
    warnings.filterwarnings("ignore", message="`ray_remote_args` is deprecated")
    ctx = ray.data.DataContext.get_current()
    ctx.enable_progress_bars = False
    ctx.execution_options.preserve_order = True
    if hasattr(ctx, "print_on_execution_start"):
        ctx.print_on_execution_start = False


def remote_args() -> dict:
    """`ray_remote_args` for every map task: retried when the worker dies, never on our errors."""
    return {"max_retries": TASK_RETRIES, "retry_exceptions": False}


def disconnect(info: dict) -> None:
    """Shut down what `connect` started here; leave a joined cluster running."""
    import ray

    if info.get("started_here") and ray.is_initialized():
        ray.shutdown()


class ClusterError(InputError):
    """The cluster could not finish the work (a worker or node kept dying, an object was lost
    for good); the message says what Ray reported and what was retried."""


def translate(err: Exception) -> Exception:
    """A Ray failure as the error a user reads: our own `InputError` raised inside a task comes
    back as itself; anything else becomes a `ClusterError`."""
    cause = getattr(err, "cause", None)
    while cause is not None:
        if isinstance(cause, InputError):
            return cause
        cause = getattr(cause, "cause", None) or cause.__cause__
    first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
    return ClusterError(
        f"the Ray cluster could not finish: {type(err).__name__}: {first} (each task was "
        f"retried up to {TASK_RETRIES} times after its worker died; errors raised by the data "
        "are not retried). Nothing was written."
    )


def guarded(gen):
    """Run a progress generator that uses the cluster, turning Ray's failures into
    `translate`'s errors."""
    import ray.exceptions

    try:
        return (yield from gen)
    except ray.exceptions.RayError as err:
        raise translate(err) from None
