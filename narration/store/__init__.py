"""The book's folder: layout, atomic writes, the lock, the manifest, keys, verification, pruning, status."""
