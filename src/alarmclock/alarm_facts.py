"""What CloudWatch does with every alarm, each rule written once for the package.

The handler keeps its own copy of the evaluation cycle (`ClockConfig.cycle`), because it stands
alone; tests/project/test_one_meaning.py keeps the two in step. Sources: docs/aws-facts.md.
"""

from __future__ import annotations

# fact: CloudWatch keeps an alarm's history for 30 days (docs/aws-facts.md; older pages said two weeks).
HISTORY_RETENTION_DAYS = 30


def evaluation_cycle(period_s: int) -> int:
    """fact: alarms of 60 s or more are evaluated every minute, 10/20/30 s ones every 10 s."""
    return 60 if period_s >= 60 else 10
