"""Study 06: embeddings movie recommender (film catalogue, SQLite vector store, commands)."""
