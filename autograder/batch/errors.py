"""The one error a batch raises for a user to read."""


class BatchError(Exception):
    """The batch cannot run (bad SUBMISSIONS, OUTDIR or shard); the message says why."""
