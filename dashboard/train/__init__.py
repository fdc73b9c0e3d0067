"""The Train page's helpers: the settings form, the live view, and the run behind it."""
