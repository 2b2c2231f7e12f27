"""Privacy operations on the published warehouse: keys, purposes, trace, export, erase."""
