"""Study 06 as the seed built it: a Django app with the films' embeddings in its database."""
