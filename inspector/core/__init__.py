"""The headless core: loading, normalizing, tokens, analyses, triage and export.

Nothing under `inspector.core` imports Textual or Rich (a test checks it), and heavy libraries
(torch, sentence-transformers, umap, hdbscan) are imported inside the functions that use them.
"""
