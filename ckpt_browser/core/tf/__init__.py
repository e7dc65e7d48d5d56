"""What only TensorFlow can do: restore a .meta graph and run it, SavedModel signatures, the demo.
tfimport.py is the one place that imports tensorflow, lazily; the rest of core reaches TensorFlow
only through it, and only inside the functions that need it. Imports formats/ and storage/ below."""
