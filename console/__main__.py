import sys

from console.commands.cli import main

sys.exit(main())
