import sys

from node.transport.server import main

sys.exit(main())
