"""Background analyses: their specs, states, cached results, per-row indexes and runner."""
