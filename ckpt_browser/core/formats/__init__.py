"""One reader per file format, all behind the CheckpointReader protocol of core/reader.py."""
