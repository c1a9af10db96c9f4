"""``python -m bot`` is the ``juwei`` command."""

import sys

from bot.main import main

sys.exit(main())
