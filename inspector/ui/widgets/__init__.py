"""Widgets the views are built from: the bars, the virtual row table, conversations and tokens,
text charts, the braille map, and the panels that stand in while an analysis is not ready."""
