"""The PySide6 window. Widgets call companion/kb services and wrap results in Qt models."""
