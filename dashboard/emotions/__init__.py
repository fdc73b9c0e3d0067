"""The Emotions page's helpers."""
