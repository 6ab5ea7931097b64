"""Study 04: RAG over the Spanish Bash manual (manual sections, prompts, citations, evaluation)."""
