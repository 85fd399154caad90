"""`alarmclock probe`: settle, in one account and region, the CloudWatch behaviours the timing model
assumes (docs/timing-model.md), with a few alarms and metric points and nothing else."""
