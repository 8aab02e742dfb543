"""Queries: read models for the pages, the API and the CLI. They never write."""
