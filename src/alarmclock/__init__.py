"""alarmclock: a CloudFormation-native clock for AWS Lambda, built on a CloudWatch alarm that flip-flops."""

__version__ = "0.5.0.dev0"
