"""An RQ worker process for the workflow fault tests: the app of TRELLIS_* in the
environment; with TRELLIS_TEST_STALL_DIR set, a step updating record <id> while the file
stall-<id> exists there writes pid-<id> and waits (to be killed mid-step).
``python -m tests.integration.workflow_worker``"""

from __future__ import annotations

import os
import time
from pathlib import Path

STALL_DIR = "TRELLIS_TEST_STALL_DIR"


def stalling(update):
    def update_record(self, step, details):
        folder = os.environ.get(STALL_DIR)
        record_id = step.instance["record_id"]
        if folder and (Path(folder) / f"stall-{record_id}").exists():
            (Path(folder) / f"pid-{record_id}").write_text(str(os.getpid()))
            while (Path(folder) / f"stall-{record_id}").exists():
                time.sleep(0.05)
        return update(self, step, details)
    return update_record


def main() -> None:
    from rq import Worker
    from rq.serializers import JSONSerializer

    import app.jobs as jobs
    from app import create_app
    from runtime.jobs.worker import queue
    from runtime.workflows.effects import Effects

    Effects.update_record = stalling(Effects.update_record)
    app = create_app({"TESTING": True, "SECRET_KEY": "test-secret",
                      "PACKAGES_DIR": os.devnull})
    jobs.adopt_worker_app(app)
    q = queue(app)
    Worker([q], connection=q.connection, serializer=JSONSerializer).work(
        logging_level="WARNING")


if __name__ == "__main__":
    main()
