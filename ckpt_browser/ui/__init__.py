"""Qt user interface: item models over core objects, widgets, the task runner."""
