"""Managing clocks on AWS: plan the API calls (pure), then execute them.

- `session`  builds every boto3 client from --region/--profile/--endpoint-url and turns
             botocore's errors into one-line messages;
- `models`   plain descriptions of what AWS returned (stacks, events, alarms, datapoints);
- `plan`     what `deploy`, `pause`, `resume` and `destroy` would do, as a list of steps;
- `stacks`   the only module that talks to CloudFormation;
- `metrics`  CloudWatch (alarms, the Tick metric) and the targets' existence checks;
- `execute`  runs a plan, streaming progress;
- `verdict`  ticking / paused / stalled / broken, from what `status` gathered (pure).
"""
