"""Study 01: conversational movie recommender (LLM-REDIAL data, prompts, baselines, uncertainty)."""
