"""Exception classes of the consensus package.

Bad peer input never raises (it is reported in `Ready.rejected`); these exceptions signal that
the caller broke the API contract or that a certificate handed to us is invalid.
"""


class ConsensusError(Exception):
    """Base class: the caller broke an invariant of the consensus API."""


class InvalidCertificate(ConsensusError):
    """A commit certificate does not prove that a quorum of validators committed a block."""


class NotPrimary(ConsensusError):
    """`propose` was called on a replica that is not the primary of its current view."""


class ProposalInFlight(ConsensusError):
    """`propose` was called while the previous height is still being agreed or applied."""
