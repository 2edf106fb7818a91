"""Array simulations written once against the array API (numpy, CuPy, array_api_strict)."""
