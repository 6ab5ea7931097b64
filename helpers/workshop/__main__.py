"""`python -m helpers.workshop`: rebuild the students' sheet from the solutions notebook."""

from helpers.workshop.sheet import build

for path in build():
    print(f"escrito {path}")
