"""The book (make book): a static Spanish site from the executed notebooks, the guide and the results
pages, plus the Colab badges that open each notebook."""
