"""Pure rules of the product: status, roll-up, permissions. Imports nothing from Flask.

Everything here takes plain values (dates, numbers, dataclasses) so it can be unit-tested
without an app and reused by the web pages, the API and the command line alike.
"""
