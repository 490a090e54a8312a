"""workerlab: the helper package behind the background-workers course.

Each module says which lesson introduced it. Notebooks explain and import; the logic
lives here, with docstrings and unit tests.
"""

__version__ = "0.1.0"
