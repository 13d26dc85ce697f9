"""PBFT consensus for TrustLedger as a pure state machine.

Nothing in this package touches the network, the disk, the clock or a random source: the node
feeds it messages (`Replica.step`), proposals and validation answers, and clock ticks, and
collects what to persist, send, validate and apply from `Replica.ready()`. That keeps the
protocol reproducible in tests and keeps I/O policy in one place, `node/`.

Reference: M. Castro and B. Liskov, "Practical Byzantine Fault Tolerance", OSDI 1999.
"""
