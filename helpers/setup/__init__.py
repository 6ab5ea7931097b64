"""Fetching, checking and preparing the packaged models and data (`python -m helpers.setup`)."""
