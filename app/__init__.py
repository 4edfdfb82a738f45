"""Backprop Studio's PySide6 + pyqtgraph GUI and its command line."""
