"""alarmclock: a CloudFormation-native clock for AWS Lambda, built on two CloudWatch alarms."""

__version__ = "0.1.0"
