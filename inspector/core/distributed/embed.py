"""Embeddings on the cluster: an actor pool that loads the model once per actor.

`ray_embed` fills the local embeddings cache entry (`semantic.embed.embeddings_key`), so the
scan's semantic duplicates, the clusters and the app read the cluster's vectors as their own.
The rows are cut into the windows `embed_dataset` encodes (`embed.BLOCK` rows), and each actor
encodes whole windows with `embed.encode_window`, the local code: same texts, same batches, so
the same vectors on the same kind of device. Actors take one GPU each where the cluster has
GPUs (`num_gpus=1`), else one CPU; `--concurrency` sizes the pool.

The data must be readable from every node (as for the input shards): each actor opens the
dataset once. A TF-IDF basis is fitted on the driver (a seeded sample, as locally) and its
state file, in the state folder, is what the actors load. Datasets of at most
`embed.FIT_ROWS` rows with TF-IDF are embedded on the driver: there the local engine encodes
the fitting sample itself, and those are the vectors it keeps.
"""

from __future__ import annotations

import os
import threading

import numpy as np
import pyarrow as pa

from inspector.core.distributed import cluster
from inspector.core.progress import Progress, check


class WindowEncoder:
    """A Ray actor: the dataset and the encoder, loaded once; windows of rows -> vectors."""

    def __init__(self, path, fmt, view, state_dir, spec, text, state_path=None):
        from inspector.core.data import open_dataset
        from inspector.core.semantic import encoders

        self.ds = open_dataset(path, format=fmt, column_map=view, state_dir=state_dir)
        if state_path is not None:
            with np.load(state_path, allow_pickle=False) as state:
                self.enc = encoders.TfidfSvdEncoder.from_state(state)
        else:
            self.enc = encoders.load_encoder(spec, encoders.pick_device())
        self.text = text

    def __call__(self, batch: pa.Table) -> pa.Table:
        from inspector.core.semantic.embed import encode_window

        starts = batch.column("start").to_pylist()
        stops = batch.column("stop").to_pylist()
        blobs = [
            encode_window(self.enc, self.ds, a, b, self.text).tobytes()
            for a, b in zip(starts, stops, strict=True)
        ]
        return pa.table(
            {"start": batch.column("start"), "vectors": pa.array(blobs, pa.large_binary())}
        )


def ray_embed(
    ds,
    *,
    model: str = "auto",
    text: str = "prompt_response",
    concurrency: int | None = None,
    cancel: threading.Event | None = None,
):
    """Embed every row of `ds` on the cluster into the local cache; a progress generator
    returning the local `Embeddings` (read back by `embed_dataset`)."""
    import ray
    import ray.data

    from inspector.core.semantic import embed, encoders

    device = encoders.pick_device()
    spec = embed.resolve_model(model, device)
    n = ds.total_rows
    key = embed.embeddings_key(ds, model=spec, text=text)
    final = ds.cache.path("embeddings", key, "npy")
    cached = ds.cache.get_json("embeddings", key) and final.exists()
    local = spec == encoders.FAST and n <= embed.FIT_ROWS
    if n == 0 or cached or local:
        return (yield from embed.embed_dataset(ds, model=model, text=text, cancel=cancel))
    state_path = None
    probe = encoders.load_encoder(spec, "cpu") if spec == encoders.FAST else None
    if probe is not None:
        yield Progress("fit embedding", 0, n)
        state_path = ds.cache.path("embeddings", key, "tfidf.npz")
        probe = embed.fit_encoder(probe, ds, text, state_path, cancel)
    gpus = int(ray.cluster_resources().get("GPU", 0))
    windows = [{"start": a, "stop": min(a + embed.BLOCK, n)} for a in range(0, n, embed.BLOCK)]
    pool = concurrency or max(1, gpus or int(ray.cluster_resources().get("CPU", 1)))
    data = ray.data.from_items(windows, override_num_blocks=len(windows)).map_batches(
        WindowEncoder,
        batch_format="pyarrow",
        batch_size=1,
        fn_constructor_kwargs={
            "path": str(ds.path), "fmt": ds.format, "view": ds.column_map,
            "state_dir": str(ds.state_dir), "spec": spec, "text": text,
            "state_path": str(state_path) if state_path else None,
        },
        concurrency=min(pool, len(windows)),
        num_gpus=1 if gpus else None,
        # An actor whose process dies is started again and its window run again.
        max_restarts=cluster.TASK_RETRIES,
        max_task_retries=cluster.TASK_RETRIES,
    )  # fmt: skip
    partial = ds.cache.path("embeddings", key, "partial.npy")
    partial.parent.mkdir(parents=True, exist_ok=True)
    out = None
    done = 0
    for batch in data.iter_batches(batch_size=None, batch_format="pyarrow"):
        check(cancel)
        for start, blob in zip(batch.column("start").to_pylist(),
                               batch.column("vectors").to_pylist(), strict=True):  # fmt: skip
            vecs = np.frombuffer(blob, np.float32)
            stop = min(start + embed.BLOCK, n)
            vecs = vecs.reshape(stop - start, -1)
            if out is None:
                out = np.lib.format.open_memmap(partial, "w+", np.float32, (n, vecs.shape[1]))
            out[start:stop] = vecs
            done += stop - start
        yield Progress("embedding on the cluster", done, n)
    out.flush()
    del out
    os.replace(partial, final)
    name = probe.name if probe is not None else _model_name(spec)
    ds.cache.put_json("embeddings", key, {"model_name": name, "rows": n, "text": text})
    return (yield from embed.embed_dataset(ds, model=model, text=text, cancel=cancel))


def _model_name(spec: str) -> str:
    """The name `load_encoder` gives a pretrained model, without loading it here."""
    from inspector.core.semantic import encoders

    return encoders.BUNDLED_NAME if spec == encoders.BUNDLED else spec
