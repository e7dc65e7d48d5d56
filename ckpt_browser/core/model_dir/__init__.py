"""A folder of checkpoints: the state file merged with the files on disk (scan.py), what `ls`
lists (contents.py), events and the timeline, the bundled examples. Imports reader, formats,
storage below it; never values/ or checks/."""
