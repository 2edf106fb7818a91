"""Symbolic and numeric theory of surrogate losses (sympy, scipy; no plotting, no I/O)."""
