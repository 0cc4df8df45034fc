"""``python -m chainplan.cli``."""

import sys

from chainplan.cli import main

sys.exit(main())
