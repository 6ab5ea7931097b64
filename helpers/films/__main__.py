"""`python -m helpers.films COMMAND`: the film recommender's commands (add/check embeddings, recommend)."""

import sys

from helpers.films.recommender import _cli

sys.exit(_cli())
