"""``python -m bot`` is the ``juwei`` command."""

import sys

from bot.cli import main

sys.exit(main())
