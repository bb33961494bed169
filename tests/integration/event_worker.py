"""An RQ worker process for the event tests: the app of TRELLIS_* in the environment, with
the test consumers registered. ``python -m tests.integration.event_worker``"""

from __future__ import annotations

import os


def main() -> None:
    from rq import Worker
    from rq.serializers import JSONSerializer

    import app.jobs as jobs
    from app import create_app
    from runtime.jobs.worker import queue
    from tests.integration.events_support import Flaky, Recorder

    app = create_app({"TESTING": True, "SECRET_KEY": "test-secret",
                      "PACKAGES_DIR": os.devnull, "EVENT_CONSUMERS": (Recorder, Flaky)})
    jobs._app = app  # the work horses fork from here: jobs run in this app
    q = queue(app)
    Worker([q], connection=q.connection, serializer=JSONSerializer).work(
        logging_level="WARNING")


if __name__ == "__main__":
    main()
