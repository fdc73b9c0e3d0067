"""The Compare page's helpers."""
