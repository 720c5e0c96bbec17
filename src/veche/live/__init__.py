"""Live updates: brokers between nodes, a hub of SSE streams per node."""
