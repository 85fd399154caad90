import sys

from alarmclock.cli import main

sys.exit(main())
