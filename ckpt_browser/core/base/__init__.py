"""What every other core package stands on: the exception users read (errors), the progress
callback everything takes (progress), and how child processes are started (child)."""
