"""Commands: the writes. Each checks its rules, changes the session, records history, flushes.

None commits: the request boundary (:func:`tracker.unit_of_work.unit_of_work`) does, once.
"""
