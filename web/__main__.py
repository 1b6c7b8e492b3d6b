"""`python -m web` is `caunoi`."""

from web.cli import main

main()
