"""Accord: the international relations office's system."""
