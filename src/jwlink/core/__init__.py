"""The pure domain: the model, the linker, the MRP policy and what each pipeline mode writes.

Nothing here does I/O or SQL: each function takes evidence and returns
model values, so every rule can be tested from a few in-memory objects.
"""
