"""The teacher's kit for the workerlab course: student copies, static pages, grading.

A separate package from ``workerlab`` on purpose: learners never need it, and nothing in
``workerlab`` imports it (``make test`` checks that with import-linter).
"""
