"""alarmclock for AWS CDK v2 (`pip install alarmclock[cdk]`): `AlarmClock`, a construct."""

from alarmclock.cdk.construct import AlarmClock

__all__ = ["AlarmClock"]
