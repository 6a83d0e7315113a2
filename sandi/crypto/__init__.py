"""Labelled primitives and key wrapping: every KDF and signature input."""
