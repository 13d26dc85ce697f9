"""Thin gRPC handlers: each validates its input, calls the node (never the replica) or a
ledger read, and maps failures to status codes that say what went wrong."""
