"""Views: each asks core for answers through the task runner and shows them."""
