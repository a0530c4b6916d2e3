"""A step waiting for the ``lct_warehouse`` pool sleeps until its next claim check, and
checks at least every two seconds.

Dagster 1.13's ``InstanceConcurrencyContext.interval_to_next_pending_claim_check``
returns ``min(0, time to each pending check)``: never more than zero, so the run's
executor loop never sleeps while a step waits for a pool slot, and a run queued
behind another run's warehouse step spins at a full core (95 % in py-spy dumps of
``lct run --all --workers 2``; with the queue's four runs on two cores, three waiting
runs would take the cores from the one that holds the slot). The claims themselves
already back off (1 s, growing to 15 s between checks); this only lets the loop sleep
until the next one, as dagster-io/dagster#20367 meant it to.

Between two checks Dagster backs off from 1 s to 15 s. When the slot is freed, the
instance assigns it at once to the waiting step of the highest priority, but that step
takes it only at its next check: with the run queue's four runs each waiting for its
turn, the pool sat idle for seconds at every hand-over (the production-stack test's
backfill runs ended at 117 s; with checks every 2 s at most, at 98 s). A check is one
small query: every two seconds per waiting run is nothing for the instance's database.
"""

from __future__ import annotations

import time

from dagster._core.execution.plan import instance_concurrency_context as claims
from dagster._core.execution.plan.instance_concurrency_context import InstanceConcurrencyContext

CLAIM_CHECK_INTERVAL_MAX = 2.0  # seconds; Dagster's own is 15


def _interval_to_next_pending_claim_check(self: InstanceConcurrencyContext) -> float:
    if not self._pending_claims or not self._pending_timeouts:
        return 0.0
    return max(0.0, min(self._pending_timeouts.values()) - time.time())


def sleep_while_waiting_for_pools() -> None:
    """Make every run of this process sleep, not spin, while its step waits for a pool slot."""
    InstanceConcurrencyContext.interval_to_next_pending_claim_check = (
        _interval_to_next_pending_claim_check
    )
    claims.MAX_CONCURRENCY_CLAIM_BLOCKED_INTERVAL = CLAIM_CHECK_INTERVAL_MAX
