"""Backprop Studio's engines. Nothing below this package imports Qt."""
