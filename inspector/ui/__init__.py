"""The Textual app: screens, widgets and messages over the core."""
