"""The app's views, one `Screen` each: overview, rows, one row, packs, clusters, duplicates and
contamination, with `base` (the bars and triage keys every view shares), `help` and `dialogs`."""
