"""``python -m cruddur_lab.cli``: the same as the ``cruddur-lab`` command."""

import sys

from cruddur_lab.cli import main

sys.exit(main())
