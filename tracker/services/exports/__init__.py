"""Exports and adapters: the Excel ledger, e-mail, and evidence files on disk."""
