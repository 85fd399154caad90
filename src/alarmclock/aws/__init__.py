"""Managing clocks on AWS: plan the API calls (pure), then execute them.

- `session`  builds every boto3 client from --region/--profile/--endpoint-url and turns
             botocore's errors into one-line messages;
- `models`   plain descriptions of what AWS returned (stacks, events, alarms, datapoints);
- `steps`    the steps of a plan, as plain values;
- `plan`     what `deploy`, `pause`, `resume` and `destroy` would do, as a list of steps;
- `stacks`   the only module that talks to CloudFormation;
- `template_bucket` the only one that talks to S3: the template, for `deploy --s3-bucket`;
- `metrics`  CloudWatch (alarms, the Tick metric) and the targets' existence checks;
- `execute`  runs a plan, streaming progress;
- `verdict`  ticking / paused / stalled / broken, from what `status` gathered (pure).
"""

# After the stack is gone, `destroy` watches this long for Tick data from an invocation still in
# flight (the function's timeout is 30 s; CloudWatch shows a value within seconds to a minute).
# Here, not in `plan`, so the CLI's --settle default reads it without importing the planner.
DEFAULT_SETTLE_S = 60.0
