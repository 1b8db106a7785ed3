"""The pen: bytes in and out, the protocol codec, the link state machine, the virtual pen.

Pure Python. Must never import Qt (PySide6, shiboken6, pyqtgraph) or anything in
`console` or `widgets`; tests/test_architecture.py enforces it.
"""
