"""The Lesson page's helpers."""
