"""Study 03: LoRA sentiment classifiers and prompting (reviews, classifier training)."""
