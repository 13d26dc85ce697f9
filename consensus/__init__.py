"""PBFT consensus for TrustLedger as a pure state machine.

Nothing in this package touches the network, the disk, the clock or a random source: the node
feeds it messages (`Replica.step`), proposals and validation answers, and clock ticks, and
collects what to persist, send, validate and apply from `Replica.ready()`. That keeps the
protocol reproducible in tests and keeps I/O policy in one place, `node/`.

Modules, one concern each. The replica: `replica` (the public `Replica`, composing the parts),
`core` (its configuration, state, keys and outbox), `normal` (pre-prepare, prepare, commit),
`heights` (deciding the height in flight, the window of heights, validator-set changes),
`views` (view change and new view), `catchup` (checkpoints, garbage collection, slow peers,
state transfer), `restore` (the WAL after a restart). Around it: `viewchange` (what a NewView
must contain, as pure functions), `checkpoints` (stable checkpoints and watermarks), `log`
(message log, recent heights, commits of other views), `validators` (validator sets, the
schedule of sets over heights, certificate verification), `messages` and `ready` (the values
exchanged with peers and with the node), `signing` (the bytes every signature covers), `shape`
(field checks of peer input), `crypto` (Ed25519 behind small protocols), `limits` (every
bound), `errors`.

Reference: M. Castro and B. Liskov, "Practical Byzantine Fault Tolerance", OSDI 1999, and
"Practical Byzantine Fault Tolerance and Proactive Recovery", ACM TOCS 20(4), 2002.
"""
