import sys

from floorlight.cli import main

sys.exit(main())
