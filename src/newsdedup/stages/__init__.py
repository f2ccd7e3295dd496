"""The stages: pure functions over documents, fingerprints and pairs."""
