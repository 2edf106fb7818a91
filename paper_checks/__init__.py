"""Paper checks: each paper is a list of claims, each with its check and expected verdict."""
