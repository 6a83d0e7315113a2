"""Envelopes: the wire format, STREAM payload, seal, open, verify, armor, rewrap."""
