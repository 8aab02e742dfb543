"""Two people pressing two buttons at once: each action in its own thread, app context and
unit of work, released together, as two workers would run them. On PostgreSQL the second
writer waits on the first one's row lock; SQLite serialises the writers itself.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from flask import Flask

from tracker.extensions import db
from tracker.unit_of_work import unit_of_work


def at_once(app: Flask, *actions: Callable[[], None]) -> list[BaseException | None]:
    """Run each action in its own thread and app context, released together; what each
    raised (None when it committed), in the order given.
    """
    start = threading.Barrier(len(actions))
    outcomes: list[BaseException | None] = [None] * len(actions)

    def run(index: int, action: Callable[[], None]) -> None:
        with app.app_context():
            start.wait()
            try:
                with unit_of_work():
                    action()
            except Exception as error:
                outcomes[index] = error
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes
