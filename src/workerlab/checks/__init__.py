"""The exercises' self-checks, one module per lesson (``checks.lesson01`` …).

The top layer of the package: a check may import any core or lab module; nothing in
``workerlab`` imports a check.
"""
