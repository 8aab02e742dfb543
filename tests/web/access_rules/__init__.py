"""Per-area route expectations for tests/web/test_access.py (one module per blueprint area)."""
