"""Every limit of a node, in one place, with the relations between them checked at import.

Units are last in the names. A peer or client that exceeds one gets a clear error.
"""

from __future__ import annotations

from consensus.limits import VALIDATORS_MAX

TX_BYTES_MAX = 16 * 1024
TX_ARGS_MAX = 16
ARG_NAME_BYTES_MAX = 32
CONTRACT_NAME_BYTES_MAX = 32
METHOD_NAME_BYTES_MAX = 32
NAMES_CACHED_MAX = 1024  # name checks memoised in node/chain/tx.py: blocks repeat a few names
NONCE_BYTES = 16

BLOCK_TXS_MAX = 1000  # a replica refuses a block with more (a rule every replica shares)
# What this node proposes, at most: a round stays well inside the view-change timeout under
# load. With 1,000, rounds under `make bench`'s one-call-per-transaction load (a deep
# mempool, so full blocks, and loops busy with client calls) outlasted the 1 s timeout and
# views changed three times in 30 s. A local choice: blocks of up to BLOCK_TXS_MAX from
# other proposers (or from before) are still accepted.
PROPOSE_TXS_MAX = 500
BLOCK_BYTES_MAX = 8 * 1024 * 1024
BLOCK_TIME_DRIFT_MS_MAX = 10_000  # a proposal's time may lead a backup's clock by this much

# The mempool (node/mempool.py) is split in lanes: this node's clients, and one lane per
# peer for the copies it forwards; across lanes, each submitter has a quota. A full lane or
# submitter is refused (RESOURCE_EXHAUSTED "busy" to a client, dropped and counted for a
# peer), nothing is evicted, and the lanes fit the total together (checked below), so no
# source can fill the mempool for the others.
MEMPOOL_TXS_MAX = 50_000
MEMPOOL_BYTES_MAX = 256 * 1024 * 1024
# One submitter's pending transactions, counted over all lanes, when it calls this node (its
# forwarded copies fill their peer's lane; see node/mempool.py): a bulk issuer waits beyond
# ~4 proposed blocks pending (the busy threshold all clients shared before the lanes, so a
# lone bulk issuer, as in `make bench`, sees back-pressure where it did).
MEMPOOL_SUBMITTER_TXS_MAX = 2000
# This node's clients together: room for two submitters at their quota, so one of them
# leaves at least half of the lane to everyone else.
MEMPOOL_CLIENT_TXS_MAX = 4000
# One peer's forwarded copies: what an honest peer's client lane holds (it forwards what its
# clients submit), shrunk to an equal share of the rest of the total when there are many
# peers (node/mempool.py `get_quota`).
MEMPOOL_PEER_TXS_MAX = MEMPOOL_CLIENT_TXS_MAX
MEMPOOL_LANE_BYTES_MAX = 64 * 1024 * 1024  # a full client lane of the largest transactions
# Body hashes of transactions that passed the admission screen, remembered so that the same
# transaction is not screened again when it comes back (node/screening.py): as many as the
# mempool holds, so every pending transaction's proposal finds its verdict (~7 MB).
SCREENED_TXS_REMEMBERED_MAX = MEMPOOL_TXS_MAX
# Verified transaction signatures remembered (body hash + signature, node/verifying.py), so a
# transaction's signature is verified once per validator whichever way it comes back: as
# many as the mempool holds, and as many again for those committed since (a late forwarded
# copy is refused as a replay without a second verification). ~20 MB with SM2 signatures.
VERIFIED_TXS_REMEMBERED_MAX = 2 * MEMPOOL_TXS_MAX
# Threads that verify one batch's signatures (the caller's included): the host's cores, at
# most this many; a share is at least VERIFY_SHARE_TXS_MIN signatures (a thread's hand-off
# costs about what one Ed25519 verification does).
VERIFY_THREADS_MAX = 16
VERIFY_SHARE_TXS_MIN = 8

GRPC_MESSAGE_BYTES_MAX = 16 * 1024 * 1024
GRPC_OPTIONS = [
    ("grpc.max_send_message_length", GRPC_MESSAGE_BYTES_MAX),
    ("grpc.max_receive_message_length", GRPC_MESSAGE_BYTES_MAX),
]
"""Channel and server options of every gRPC endpoint, validator and client alike."""
PEER_ENVELOPE_MESSAGES_MAX = 256
PEER_QUEUE_MESSAGES_MAX = 10_000
PEERS_MAX = VALIDATORS_MAX - 1  # one link per other validator of the sets in force or scheduled
FORWARD_BATCH_TXS_MAX = 1000
SUBMIT_BATCH_TXS_MAX = 1000
VERIFY_BATCH_CERTS_MAX = 1000
"""Certificates one `Agency/VerifyCertificates` call may ask about (a service hall's batch)."""
VERIFY_STREAM_BATCHES_MAX = 10_000
"""Batches one `Agency/VerifyStream` may carry (10 million certificates); then a new one."""
WATCHERS_MAX = 256
"""Open `Agency/WatchStatus` streams one validator serves at once."""
WATCHERS_PER_CALLER_MAX = WATCHERS_MAX // 4
"""Of which one organisation's: a follower that reads nothing stays open (held by flow
control, node/services/slots.py), so one organisation's stalled followers leave three
quarters of the watchers to the others. 64 streams of 1,000 certificates each is more than
any agency follows."""
VERIFY_STREAMS_MAX = 32
"""Open `Agency/VerifyStream` streams one validator serves at once. A stream whose client
reads nothing holds, in the node, one answer and what HTTP/2 flow control lets the client
send ahead (the transport's receive window: ~4 MB measured with grpcio 1.85's BDP-grown
windows, VERIFY_STREAM_WINDOW_BYTES_EST): at most VERIFY_STREAMS_HELD_BYTES_MAX together."""
VERIFY_STREAMS_PER_CALLER_MAX = 8
"""Of which one organisation's (a service hall runs a few in parallel at most; a ninth
waits for one to close), so one organisation's stalled streams leave three quarters."""
VERIFY_STREAM_WINDOW_BYTES_EST = 8 * 1024 * 1024
"""Requests one stream's client sends ahead of the node's reading, at most (twice what was
measured, docs/agencies.md)."""
VERIFY_STREAMS_HELD_BYTES_MAX = 1024 * 1024 * 1024
"""What all open verification streams may hold in a validator's memory, at worst."""
WATCH_POLL_S = 0.2
"""How often a watcher looks for new blocks: the latency of a status change's notice."""
VERIFY_ANSWER_BYTES_EST = 4 * 1024 + 256 * (5 + 32)
"""Most bytes one certificate adds to a batch answer: its record (at most about 2 KiB with 16
field commitments; 4 KiB allowed), and a full-depth proof's entries and shared hashes."""
ADMIT_SLICE_TXS = 100  # batches are checked in slices of this many (~8 ms) on a worker thread
GET_BLOCKS_MAX = 64
# State transfer applies certified blocks in groups of up to this many transactions: one
# state-tree update and one write batch per group (node/runtime.py). A group's tree update
# and commit run without yielding the loop, ~0.2 s at this size.
CATCHUP_GROUP_TXS_MAX = 16_000
FORWARD_ON_VIEW_CHANGE_MAX = 20_000

# Decoded state-tree nodes cached per node (node/ledger/statetree_store.py), leaves and branches:
# about 250 bytes each with the dict's share, so ~150 MB; a state of ~300,000 keys fits.
STATE_NODE_CACHE_NODES_MAX = 600_000

# Organisation CAs and their certificates (node/chain/pki.py, node/transport/). A P-256
# certificate with a few host names is under 1 KiB in PEM; the margin is for long names.
CERT_PEM_BYTES_MAX = 8 * 1024
CERT_HOSTS_MAX = 16  # subjectAltName entries of one certificate
CA_DAYS_MAX = 20 * 365
CERT_DAYS_MAX = 2 * 365  # an issued certificate outlives neither this nor its CA
CERT_BACKDATE_S = 300  # notBefore is set this far back: a peer whose clock lags still accepts
CA_CERTS_PARSED_MAX = 256  # parsed CA certificates kept (one per organisation in force)
CALLER_IDENTITIES_CACHED_MAX = 4096  # checked callers remembered per trust snapshot

# Refused input from other parties (forged or invalid peer messages, refused calls and
# forwarded transactions) is counted exactly in metrics and logged as a summary line per
# period (node/refusal_log.py): a flood adds a few lines a minute, not one per message.
REFUSAL_LOG_PERIOD_S = 10.0
REFUSAL_LOG_KEYS_MAX = 256  # distinct (source, kind) counted per period; the rest as "others"
REFUSAL_LOG_KEYS_SHOWN = 8  # the most frequent, named in the summary line

QUERY_RESULT_ITEMS_MAX = 1000
AUDIT_TRACE_ENTRIES_MAX = 5000
SUBMIT_WAIT_S_MAX = 30.0

TICK_MS = 100

# The consensus WAL file (node/ledger/wal.py). A record is one message this node sent (so it
# fit in one gRPC message), a NewView it received (likewise) or a `Prepared` record (a
# certificate and one block): none exceeds a gRPC message. The margin is the record's key
# and framing. A longer length read back from the file is damage, not a record.
WAL_RECORD_BYTES_MAX = GRPC_MESSAGE_BYTES_MAX + 1024
# The file is rewritten with only the records still kept once it holds more than this
# many times their size (and more than the floor below): each rewrite then copies at most
# 1/(RATIO-1) as many bytes as it drops (a third at 4), and every dropped byte was
# appended once, so rewriting costs at most a third of what appending did.
WAL_COMPACT_RATIO = 4
# The WAL file is extended with zeros this much at a time, so that appends fill space already
# written and their syncs leave the file size alone (see node/ledger/wal.py).
WAL_PREALLOCATE_BYTES = 1024 * 1024
# A node whose WAL holds votes beyond what its ledger lets the replica take back (a lost
# database) asks its peers for blocks again after this pause, doubling up to the maximum.
WAL_AHEAD_RETRY_S = 1.0
WAL_AHEAD_RETRY_S_MAX = 10.0
# Below this size the file is never rewritten: right after a commit almost nothing is kept,
# and a rewrite (two fsyncs and a rename) on every commit would cost more than the disk.
WAL_COMPACT_BYTES_MIN = 4 * WAL_RECORD_BYTES_MAX

# Open credential formats (docs/credentials.md): the status lists and JWKS a node serves over
# HTTP (node/credentials_http.py) and what the SDK's verifier accepts (node/sdk/credentials.py).
STATUS_LIST_BITS = 131_072  # one list per organisation and purpose: the spec's minimum, 16 KiB
STATUS_LIST_CERTS_SCANNED_MAX = 1_000_000  # certificate records read to derive the lists
STATUS_LIST_CACHED_HEIGHTS = 1  # derived lists kept: those of the tip only
CREDENTIAL_BYTES_MAX = 64 * 1024  # a VC or SD-JWT (with its disclosures) a verifier reads
CREDENTIAL_DISCLOSURES_MAX = 64  # disclosures in one SD-JWT
CREDENTIAL_FIELD_BYTES_MAX = 4096  # one decoded disclosure
CREDENTIAL_HTTP_REQUEST_BYTES_MAX = 8 * 1024  # request line and headers together
CREDENTIAL_HTTP_READ_S_MAX = 5.0  # a client that sends its request slower is cut off
CREDENTIAL_HTTP_CONNECTIONS_MAX = 64  # open at once; more are answered 503 and closed
CREDENTIAL_HTTP_ANSWER_BYTES_MAX = 64 * 1024  # a status list or JWKS a verifier reads
STATUS_LIST_ANSWER_BYTES_EST = STATUS_LIST_BITS // 8 * 4 // 3 + 2048  # incompressible worst


# What a key file may ask Argon2id for (node/chain/crypto.py): key files are written with
# libsodium's "interactive" costs (2 passes, 64 MiB); an altered file asking for more than
# this is refused before any derivation, so it cannot hold a starting node for minutes or
# gigabytes. Room above today's costs: a later build may raise them.
KEY_FILE_ARGON2_OPSLIMIT_MAX = 4  # libsodium's "sensitive" passes
KEY_FILE_ARGON2_MEMLIMIT_BYTES_MAX = 256 * 1024 * 1024  # libsodium's "moderate" memory


def get_broken_relations() -> list[str]:
    """The relations between these limits that do not hold (empty when all do). Checked at
    import, and not with `assert`, which `python -O` would strip."""
    relations = {
        "the proposer fills at most half a block": TX_BYTES_MAX <= BLOCK_BYTES_MAX // 2,
        "a block and its certificate fit one gRPC message": BLOCK_BYTES_MAX + 64 * 1024
        <= GRPC_MESSAGE_BYTES_MAX,
        "propose <= accept <= one submitter's quota <= the client lane": PROPOSE_TXS_MAX
        <= BLOCK_TXS_MAX
        <= MEMPOOL_SUBMITTER_TXS_MAX
        <= MEMPOOL_CLIENT_TXS_MAX // 2,
        "the client lane and one peer's fit the total": MEMPOOL_CLIENT_TXS_MAX
        + MEMPOOL_PEER_TXS_MAX
        <= MEMPOOL_TXS_MAX
        and 2 * MEMPOOL_LANE_BYTES_MAX <= MEMPOOL_BYTES_MAX,
        "a full client lane fits its bytes": MEMPOOL_CLIENT_TXS_MAX * TX_BYTES_MAX
        <= MEMPOOL_LANE_BYTES_MAX,
        "with the most peers, a peer's share holds an admission slice, and 16 of the largest": (
            MEMPOOL_TXS_MAX - MEMPOOL_CLIENT_TXS_MAX
        )
        // PEERS_MAX
        >= ADMIT_SLICE_TXS
        and (MEMPOOL_BYTES_MAX - MEMPOOL_LANE_BYTES_MAX) // PEERS_MAX >= 16 * TX_BYTES_MAX,
        "an honest peer's forwards fit its lane": MEMPOOL_PEER_TXS_MAX >= MEMPOOL_CLIENT_TXS_MAX,
        "every pending transaction's screen is remembered": SCREENED_TXS_REMEMBERED_MAX
        >= MEMPOOL_TXS_MAX,
        "every pending transaction's verified signature is remembered": VERIFIED_TXS_REMEMBERED_MAX
        >= MEMPOOL_TXS_MAX,
        "a block's signatures can be shared among the verifying threads": VERIFY_THREADS_MAX >= 1
        and 1 <= VERIFY_SHARE_TXS_MIN <= PROPOSE_TXS_MAX,
        "a forwarded batch fits one gRPC message": FORWARD_BATCH_TXS_MAX * TX_BYTES_MAX
        <= GRPC_MESSAGE_BYTES_MAX,
        "a submitted batch fits one gRPC message": SUBMIT_BATCH_TXS_MAX * TX_BYTES_MAX
        <= GRPC_MESSAGE_BYTES_MAX,
        "a batch verification's answer fits one gRPC message": VERIFY_BATCH_CERTS_MAX
        * VERIFY_ANSWER_BYTES_EST
        <= GRPC_MESSAGE_BYTES_MAX,
        "a block fits a WAL record, whose length is a u32": BLOCK_BYTES_MAX + 64 * 1024
        <= WAL_RECORD_BYTES_MAX
        < 2**32,
        "stalled verification streams fit their memory budget": VERIFY_STREAMS_MAX
        * (VERIFY_BATCH_CERTS_MAX * VERIFY_ANSWER_BYTES_EST + VERIFY_STREAM_WINDOW_BYTES_EST)
        <= VERIFY_STREAMS_HELD_BYTES_MAX,
        "one organisation's streams leave most to the others": 4 * VERIFY_STREAMS_PER_CALLER_MAX
        <= VERIFY_STREAMS_MAX
        and 4 * WATCHERS_PER_CALLER_MAX <= WATCHERS_MAX,
        "a WAL rewrite drops at least as much as it copies": WAL_COMPACT_RATIO >= 2,
        "an issued certificate may live as long as its CA at most": CERT_DAYS_MAX <= CA_DAYS_MAX,
        "a status list is whole bytes": STATUS_LIST_BITS % 8 == 0,
        "a verifier can read a status list even when it does not compress": (
            STATUS_LIST_ANSWER_BYTES_EST <= CREDENTIAL_HTTP_ANSWER_BYTES_MAX
        ),
        "every disclosure of a credential fits it": CREDENTIAL_DISCLOSURES_MAX
        * CREDENTIAL_FIELD_BYTES_MAX
        <= 4 * CREDENTIAL_BYTES_MAX,
    }
    return [name for name, holds in relations.items() if not holds]


if _broken := get_broken_relations():
    raise RuntimeError(f"node/limits.py is inconsistent: {'; '.join(_broken)}")
