"""`python -m helpers.setup [NAME ...]`: fetch, check and prepare the packaged assets."""

import sys

from helpers.setup.prepare import main

sys.exit(main())
