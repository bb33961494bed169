"""``python app/lifeline.py PARENT_PID COMMAND [ARG...]``: become COMMAND, bound to PARENT_PID.

On Linux the process asks the kernel for SIGTERM when its parent dies (``PR_SET_PDEATHSIG``,
kept across ``exec``), so the children of ``trellis run`` stop even when ``trellis run`` is
killed with SIGKILL, which it cannot catch. Elsewhere it only runs COMMAND.

Run as a script, not with ``-m``: importing the ``app`` package would load Flask for nothing.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys

PR_SET_PDEATHSIG = 1


def bind_to_parent(parent: int) -> None:
    if not sys.platform.startswith("linux"):
        return
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0) != 0:
        return  # no lifeline; the parent still stops its children when it can
    if os.getppid() != parent:  # the parent died before the lifeline was set
        sys.exit(0)


def main(argv: list[str]) -> None:
    if len(argv) < 2:
        sys.exit("usage: lifeline.py PARENT_PID COMMAND [ARG...]")
    bind_to_parent(int(argv[0]))
    os.execvp(argv[1], argv[1:])


if __name__ == "__main__":
    main(sys.argv[1:])
