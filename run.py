"""Development server: ``python run.py`` (``make run`` does this after set-up)."""

import os

from tracker import create_app

app = create_app()

if __name__ == "__main__":
    app.run(
        host=os.environ.get("TRACKER_HOST", "127.0.0.1"),
        port=int(os.environ.get("TRACKER_PORT", "5000")),
        debug=os.environ.get("TRACKER_DEBUG") == "1",
    )
