"""Indicators: monthly application counts, the ЕПГУ share (I1) and its summary."""
