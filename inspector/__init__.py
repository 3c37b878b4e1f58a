"""inspector: see and fix what an LLM will be fine-tuned on, in the terminal or headless."""

__version__ = "0.1.0"
