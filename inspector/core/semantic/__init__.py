"""Semantic: embeddings, the topic map and its clusters.

`embed` embeds rows with an `encoders` model (sentence-transformers on CUDA or MPS, a fast CPU
path otherwise) and caches the vectors; `knn` finds nearest neighbours; `projection` lays rows
out with UMAP; `clusters` groups them with HDBSCAN (`cluster_result` is what it returns,
`cluster_cache` stores it) and `topics` titles every cluster.
"""

from inspector.core.faces import lazy_face

#: Public name -> the module of this package that defines it (imported on first use).
_EXPORTS = {
    "ClusterResult": "cluster_result",
    "bundled_model_path": "encoders",
    "cluster_dataset": "clusters",
    "cluster_dataset_key": "clusters",
    "embed_dataset": "embed",
    "embed_texts": "embed",
    "text_of": "embed",
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_face(__name__, _EXPORTS)
