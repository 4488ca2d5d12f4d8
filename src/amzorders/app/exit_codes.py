"""Documented exit codes of the `amzorders` command (also listed in the README)."""

OK = 0
INCOMPLETE = 1  # the work ran but something is left: orders missing, failed, or unrepaired
BAD_INPUT = 2  # bad command line, configuration or scenario file: nothing was done
AMAZON_REFUSED = 3  # Amazon (or the simulator) refused the credentials
UNAVAILABLE = 4  # a service could not be reached (Amazon, the shop, the database)
BUSY = 5  # another run holds the account's lock
