"""ckpt-browser: a desktop browser for TensorFlow checkpoints."""

__version__ = "0.1.0"
