"""HTTP routes, one module per concern; each is a thin shell over the library."""
