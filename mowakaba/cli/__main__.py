"""`python -m mowakaba.cli`: the console script."""

from mowakaba.cli.root import main

main()
