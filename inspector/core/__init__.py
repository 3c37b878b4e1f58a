"""The headless core, one package per stage of the pipeline.

`data` reads files into `Conversation`s; `tokens` renders, tokenizes, masks and packs; `flags`
holds the quality rules; `semantic` embeds and clusters; `scan` runs the analyses over a
dataset; `export` turns decisions into files. The modules directly here are the foundation all
stages share: errors, progress, cache, processes, row keys, the triage store, the lazy package
faces, the network switches (`offline`) and the text sanitizer (`safe_text`). Layers only
point down (tests/test_layers.py checks it), nothing under `inspector.core` imports Textual or
Rich, and heavy libraries (torch, sentence-transformers, umap, hdbscan) are imported inside the
functions that use them.
"""
