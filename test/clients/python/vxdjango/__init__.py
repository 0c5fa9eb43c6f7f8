"""A Django app for test_django.py: our own pgvector fields, indexes and distance expressions (made the way
pgvector-python's Django support is; that package is on PyPI only), and a migration that creates the extension."""
