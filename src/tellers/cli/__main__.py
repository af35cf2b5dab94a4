import sys

from tellers.cli import main

sys.exit(main())
