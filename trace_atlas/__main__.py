"""python -m trace_atlas: the same as the trace-atlas command."""

from trace_atlas.cli import main

main()
