"""The ``python main.py SUB-COMMAND`` interface. Never imports Qt, so it starts fast."""
