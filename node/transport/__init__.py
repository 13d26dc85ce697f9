"""Network edges of a validator: its gRPC servers and its links to peers."""
