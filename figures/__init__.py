"""Figures drawn from the outputs of checks (matplotlib, Agg backend); no computation here."""
