"""Deterministic simulator of a TrustLedger validator network running the production
`consensus.Replica`: one seed drives the network, crashes and Byzantine behaviour."""
