"""Built-in pipeline stages; importing this package registers them (see :mod:`bigmath.registry`)."""
