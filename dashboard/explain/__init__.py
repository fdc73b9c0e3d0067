"""The Explain page's helpers: the face it explains, the grid of maps, and the two lessons
that look further."""
