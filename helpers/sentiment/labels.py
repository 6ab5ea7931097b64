"""Study 03's display names in Spanish: the notebook's tables show these, the metrics keep the English keys."""

SPLIT_NAMES = {"train": "entrenamiento", "validation": "validación", "test": "prueba"}
SPLIT_COLUMNS = {"reviews": "reseñas", "groups": "películas", "positive_share": "proporción positiva"}
BASELINE_COLUMNS = {"majority_accuracy": "mayoritaria: exactitud", "majority_macro_f1": "mayoritaria: macro-F1",
                    "per_movie_majority_accuracy": "mayoritaria por película: exactitud",
                    "per_movie_majority_macro_f1": "mayoritaria por película: macro-F1",
                    "reviews_of_movies_seen_in_training": "reseñas de películas vistas al entrenar"}
REPORT_COLUMNS = {"precision": "precisión", "recall": "exhaustividad", "f1-score": "F1", "support": "reseñas"}
CLASS_NAMES = {"negative": "negativa", "positive": "positiva", "macro avg": "media macro"}
PROMPT_COLUMNS = {"reviews": "reseñas", "accuracy": "exactitud", "accuracy_low": "IC 95 % inferior",
                  "accuracy_high": "IC 95 % superior", "parsed_share": "respuestas interpretables",
                  "answered_positive": "responde «positive»", "positive_when_negative": "«positive» si es negativa",
                  "positive_when_positive": "«positive» si es positiva", "seconds": "segundos"}
