"""``python -m paper_checks`` is the ``losslab`` command."""

import sys

from paper_checks.cli import main

sys.exit(main())
