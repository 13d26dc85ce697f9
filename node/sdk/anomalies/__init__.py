"""`trustledger audit anomalies`: rules over certified blocks and consensus evidence
(docs/anomalies.md). Pure: the CLI reads, these judge."""
