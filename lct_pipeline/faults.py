"""Fail points for the crash-consistency tests (issue: reliability).

``LCT_FAIL_AT=<point>[:<n>]`` kills this process with SIGKILL the n-th time
(default the first) it reaches ``checkpoint(<point>)``: the harshest crash there
is, at a place the test chooses. Unset, a checkpoint costs one dictionary lookup.
"""

from __future__ import annotations

import os
import signal
from collections import Counter

_reached: Counter[str] = Counter()


def checkpoint(point: str) -> None:
    target = os.environ.get("LCT_FAIL_AT")
    if not target:
        return
    name, _, nth = target.partition(":")
    if name != point:
        return
    _reached[point] += 1
    if _reached[point] == int(nth or 1):
        os.kill(os.getpid(), signal.SIGKILL)
