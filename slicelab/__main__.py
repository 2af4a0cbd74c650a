"""`python -m slicelab` is the `slicelab` command."""
from slicelab.cli import main

raise SystemExit(main())
