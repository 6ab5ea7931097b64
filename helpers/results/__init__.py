"""Measured results as data: each default run's metrics kept in results/<profile>/, the README and the book
generated from them (make results), and new runs checked against them (make regress)."""
