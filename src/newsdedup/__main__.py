"""``python -m newsdedup``: the command line."""

from newsdedup.cli import main

main(prog_name="newsdedup")
